package gowasm_test

import (
	"fmt"
	"strings"

	gowasm "github.com/gowasm/gowasm/guest"
)

// A guest registers its descriptions in init, which runs in _initialize
// before the host calls anything.
func init() {
	gowasm.Export("greet", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String))
	gowasm.Export("shout", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String))
	gowasm.Export("add", gowasm.Params(gowasm.Int, gowasm.Int), gowasm.Results(gowasm.Int))
}

// In a guest this would carry //go:wasmexport greet (or //export greet for
// TinyGo); go test on the host ignores the directive.
func greet(ptr, size uint32) uint64 {
	return gowasm.ReturnString("Hello, " + gowasm.ReadString(ptr, size) + "!")
}

// A Go string parameter is lowered to the same (ptr, len) by
// //go:wasmexport; it is the host's buffer, valid during the call only.
func shout(s string) uint64 {
	return gowasm.ReturnString(strings.ToUpper(s))
}

func add(a, b int32) int32 { return a + b }

// call does what the Python host does for a str -> str function: malloc the
// argument and write it, call, read the packed result, free both.
func call(f func(ptr, size uint32) uint64, arg string) string {
	ptr, size := gowasm.Unpack(gowasm.ReturnString(arg)) // malloc + write
	result := f(ptr, size)
	gowasm.Free(ptr)
	rptr, rsize := gowasm.Unpack(result)
	defer gowasm.Free(rptr)
	return gowasm.ReadString(rptr, rsize)
}

// Guest functions can be tested with go test on the host, where memory is
// simulated.
func Example() {
	fmt.Println(call(greet, "Gopher"))
	fmt.Println(call(func(ptr, size uint32) uint64 {
		return shout(gowasm.UnsafeString(ptr, size))
	}, "quiet"))
	fmt.Println(add(2, 3))
	// Output:
	// Hello, Gopher!
	// QUIET
	// 5
}

// The JSON that gowasm_describe returns for this package's init.
func ExampleDescription() {
	fmt.Println(string(gowasm.Description()))
	// Output:
	// {"version":1,"functions":{"add":{"params":["int","int"],"results":["int"]},"greet":{"params":["str"],"results":["str"]},"shout":{"params":["str"],"results":["str"]}}}
}

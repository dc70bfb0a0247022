// Command greet-go is a Go reactor that passes strings, bytes and JSON to and
// from Python with gowasm's guest package.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o greet.wasm ./examples/greet-go
//
// Importing the package exports malloc, free and gowasm_describe besides the
// functions below; init registers how Python should call each of them.
// examples/greet-tinygo is the same guest for TinyGo.
package main

import (
	"slices"

	gowasm "github.com/gowasm/gowasm/guest"
)

func init() {
	gowasm.Export("greet", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String), gowasm.Names("name"))
	gowasm.Export("reverse", gowasm.Params(gowasm.Bytes), gowasm.Results(gowasm.Bytes), gowasm.Names("data"))
	gowasm.Export("add", gowasm.Params(gowasm.Int, gowasm.Int), gowasm.Results(gowasm.Int), gowasm.Names("a", "b"))
	gowasm.Export("stats", gowasm.Params(gowasm.JSON), gowasm.Results(gowasm.JSON), gowasm.Names("data"))
}

// greet("Gopher") is "Hello, Gopher!".
//
// A string parameter is lowered to (ptr, len), as the convention wants. The
// string is the host's buffer, freed when greet returns, so it is used here
// and not kept (strings.Clone would make a copy to keep).
//
//go:wasmexport greet
func greet(name string) uint64 {
	return gowasm.ReturnString("Hello, " + name + "!")
}

// reverse(b"abc") is b"cba". Written with (ptr, len) and ReadBytes, the
// other way to take a parameter; ReadBytes copies, so reversing in place is
// fine.
//
//go:wasmexport reverse
func reverse(ptr, size uint32) uint64 {
	b := gowasm.ReadBytes(ptr, size)
	slices.Reverse(b)
	return gowasm.ReturnBytes(b)
}

// add(2, 3) is 5: numbers need no help (int32, not int, which
// //go:wasmexport rejects).
//
//go:wasmexport add
func add(a, b int32) int32 {
	return a + b
}

type statsIn struct {
	Values []float64 `json:"values"`
}

type statsOut struct {
	Count int     `json:"count"`
	Sum   float64 `json:"sum"`
}

// stats({"values": [1, 2, 3]}) is {"count": 3, "sum": 6}. Bad input gives
// {"error": "..."}: a result is the only way back to the host.
//
//go:wasmexport stats
func stats(ptr, size uint32) uint64 {
	var in statsIn
	if err := gowasm.ReadJSON(ptr, size, &in); err != nil {
		return gowasm.ReturnJSON(map[string]string{"error": err.Error()})
	}
	out := statsOut{Count: len(in.Values)}
	for _, v := range in.Values {
		out.Sum += v
	}
	return gowasm.ReturnJSON(out)
}

func main() {}

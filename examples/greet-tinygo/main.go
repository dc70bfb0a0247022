// Command greet-tinygo is examples/greet-go written for TinyGo: the same four
// functions, the same descriptions, the same results.
//
//	tinygo build -target=wasip1 -buildmode=c-shared -o greet.wasm ./examples/greet-tinygo
//
// Needs TinyGo 0.34+ (the first with -buildmode=c-shared, which makes a
// reactor: _initialize runs init, then the host calls the exports). It has
// not been built here: TinyGo is not installed in gowasm's development
// environment. go vet and GOOS=wasip1 go build do type-check it, but standard
// Go ignores //export, so what go build makes has none of these exports: use
// examples/greet-go with Go.
//
// Differences from the Go version:
//   - //export instead of //go:wasmexport, which every TinyGo understands
//     (TinyGo 0.34+ also accepts //go:wasmexport, and the Go version would
//     build as is).
//   - malloc and free come from TinyGo's runtime, not from the guest
//     package; the package uses them for results. So do not build with
//     -tags=custommalloc or -gc=boehm, which drop them.
//   - encoding/json (ReadJSON, ReturnJSON) works in TinyGo for plain
//     structs, slices and maps like these, but is large and slow; a guest
//     that cares can build JSON by hand and use ReturnBytes.
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

// greet("Gopher") is "Hello, Gopher!". TinyGo lowers a string parameter of an
// //export function to (ptr, len), as the convention wants; the string is
// the host's buffer, freed when greet returns, so it is not kept.
//
//export greet
func greet(name string) uint64 {
	return gowasm.ReturnString("Hello, " + name + "!")
}

// reverse(b"abc") is b"cba".
//
//export reverse
func reverse(ptr, size uint32) uint64 {
	b := gowasm.ReadBytes(ptr, size)
	slices.Reverse(b)
	return gowasm.ReturnBytes(b)
}

// add(2, 3) is 5.
//
//export add
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

// stats({"values": [1, 2, 3]}) is {"count": 3, "sum": 6}; bad input gives
// {"error": "..."}.
//
//export stats
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

// main is not called in a reactor, but TinyGo wants package main to have it.
func main() {}

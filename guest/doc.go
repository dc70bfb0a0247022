// Package gowasm is the guest side of gowasm: it lets Go code compiled to
// WebAssembly take strings, bytes and JSON from Python and give them back.
//
// Import it as
//
//	import gowasm "github.com/gowasm/gowasm/guest"
//
// (the package is named gowasm, after the Python package it talks to; its
// path ends in guest, the side of the wasm boundary it runs on).
//
// # Why a convention at all
//
// A WebAssembly function takes and returns only numbers (i32, i64, f32, f64).
// A string has to travel as bytes in the guest's linear memory plus numbers
// saying where they are, and both sides have to agree who allocates that
// memory and who frees it. gowasm's convention, shared with the Python host
// and with guests in other languages, is:
//
//   - The guest exports an allocator, malloc(size i32) -> i32 and
//     free(ptr i32). TinyGo's runtime already exports both. Standard Go does
//     not, so this package exports them in Go builds (a guest that imports it
//     must not export its own). The host must use the guest's allocator:
//     only the guest knows which parts of its memory are free, and memory a
//     garbage collector does not know about is memory it will hand out
//     again.
//   - A str, bytes or json parameter arrives as two i32 parameters, (ptr,
//     len). The host calls malloc(len), writes the bytes there, calls the
//     function and calls free(ptr) when it returns. So the bytes are only
//     valid during the call: ReadString and ReadBytes copy them;
//     UnsafeString and UnsafeBytes do not and must not be kept.
//   - A str, bytes or json result is one i64, ptr<<32 | len (see Pack),
//     pointing at memory from malloc. The host reads len bytes at ptr and
//     then calls free(ptr). One i64 rather than two i32 because a Go
//     //go:wasmexport function can have at most one result. An empty result
//     may be 0 (ptr 0, len 0); free(0) does nothing.
//   - The guest describes its exports with gowasm_describe() -> i64, a
//     packed result like any other, holding JSON (see below).
//
// The wasm signature of a greet(name) -> str is (i32, i32) -> i64 and says
// nothing about strings; the description is how Python knows to take a str,
// encode it as UTF-8 and decode the result. It looks like this (on one line):
//
//	{"version":1,"functions":{
//	  "add":{"params":["int","int"],"results":["int"]},
//	  "greet":{"params":["str"],"results":["str"]}}}
//
// Functions appear once each, sorted by name; a function without a
// description is called with plain numbers. Export registers descriptions,
// usually from init, which runs in _initialize before the host can call
// anything.
//
// The type names are Python's: "int", "float", "bool" (one wasm number
// each), "str", "bytes" and "json" (ptr/len as above; json is UTF-8 JSON text
// that the host passes through json.dumps and json.loads). A function that
// returns nothing has an empty results list.
//
// Several results, an error, or JSON that may fail to encode do not fit one
// wasm number: such a function returns a Frame (see Frame, ReturnError),
// packed like a bytes result, and says so with the Framed option. Python's
// gowasm.Module.from_go generates exactly such guests from ordinary Go code
// (shims that describe each function with GoFunc, list what they skip with
// Skipped, spread variadic arguments with Variadic and defer Recover), so most users never
// write a guest by hand.
//
// # A guest
//
//	package main
//
//	import gowasm "github.com/gowasm/gowasm/guest"
//
//	func init() {
//		gowasm.Export("greet", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String))
//	}
//
//	//go:wasmexport greet
//	func greet(ptr, size uint32) uint64 {
//		return gowasm.ReturnString("Hello, " + gowasm.ReadString(ptr, size) + "!")
//	}
//
//	func main() {}
//
// built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o greet.wasm .
//
// A Go string parameter is lowered to the same (ptr, len) pair by Go 1.24+
// //go:wasmexport and by TinyGo, so greet could also be written as
// func greet(name string) uint64. That string points into the host's buffer,
// which is freed when the call returns: use it during the call, or keep
// strings.Clone(name).
//
// # Go and TinyGo
//
// The package builds with Go 1.24+ (GOOS=wasip1 GOARCH=wasm) and is written
// for TinyGo (-target=wasip1), with no cgo, no dependencies and no
// reflection outside ReadJSON and ReturnJSON. What differs:
//
//   - Go: malloc keeps each block in a map from its address to its []byte.
//     Go's garbage collector does not move heap objects, but it frees those
//     nothing points to, and the host's i32 is not a pointer it can see; the
//     map entry is, until free deletes it.
//   - TinyGo: the runtime exports malloc and free (with the same map
//     technique), so this package uses them instead of defining its own,
//     which would clash. That holds for TinyGo's default configuration; with
//     -tags=custommalloc, -gc=boehm or -target=wasm-unknown the runtime
//     exports no allocator and this package cannot be used as is.
//     gowasm_describe is exported with //export, which every TinyGo version
//     understands. TinyGo's encoding/json is partial and slow: ReturnBytes of
//     hand-built JSON is the fallback.
//
// On other platforms (go test on the host) guest memory is simulated, so
// ReadString, ReturnString and the rest work there too and a guest's
// exported functions can be unit-tested without building wasm: see the
// package example.
package gowasm

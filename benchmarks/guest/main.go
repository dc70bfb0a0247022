// Command guest is the benchmarks' Go reactor for values that cross the
// boundary through memory and for calls from the guest to its host.
package main

import gowasm "github.com/gowasm/gowasm/guest"

func init() {
	gowasm.Export("echo", gowasm.Params(gowasm.Bytes), gowasm.Results(gowasm.Bytes), gowasm.Names("data"))
	gowasm.Export("greet", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String), gowasm.Names("name"))
}

// echo returns its argument: one copy in, one copy out, nothing else, so
// the benchmark measures the boundary.
//
//go:wasmexport echo
func echo(ptr, size uint32) uint64 {
	return gowasm.ReturnBytes(gowasm.UnsafeBytes(ptr, size))
}

//go:wasmexport greet
func greet(name string) uint64 { return gowasm.ReturnString("Hello, " + name + "!") }

//go:wasmimport env pong
func pong(x int32) int32

// ping calls the host's pong n times: the cost of a guest->host call.
//
//go:wasmexport ping
func ping(n int32) int32 {
	var sum int32
	for i := int32(0); i < n; i++ {
		sum += pong(i)
	}
	return sum
}

func main() {}

// Command sum is a Go reactor for gowasm's example and benchmarks.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o sum.wasm ./examples/sum
//
// -buildmode=c-shared makes a reactor: main never runs, the host calls
// _initialize once and then the //go:wasmexport functions. Exported
// signatures use int32/int64/float64..., never int.
package main

//go:wasmexport sum
func sum(a, b int32) int32 { return a + b }

//go:wasmexport fib
func fib(n int32) int32 {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {}

// Command notebook is the Go guest of examples/gowasm.ipynb: a reactor
// (-buildmode=c-shared) with numbers, output and a call that runs until
// it is interrupted.
package main

import (
	"fmt"
	"os"
)

//go:wasmexport sum
func sum(a, b int32) int32 { return a + b }

//go:wasmexport fib
func fib(n int32) int32 {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:wasmexport hello
func hello() {
	fmt.Println("hello from Go")
	fmt.Fprintln(os.Stderr, "and from its stderr")
}

// spin counts to n: with n = 1 << 62, until someone interrupts it.
//
//go:wasmexport spin
func spin(n int64) int64 {
	var x int64
	for i := int64(0); i < n; i++ {
		x = x*31 + i
	}
	return x
}

func main() {}

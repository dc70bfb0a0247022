// Command reactor is the Go guest of gowasm's tests: a reactor
// (-buildmode=c-shared) whose exports cover every value type, output,
// panics, exits and state.
package main

import (
	"fmt"
	"math"
	"os"
)

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

//go:wasmexport add_u32
func addU32(a, b uint32) uint32 { return a + b }

//go:wasmexport add64
func add64(a, b int64) int64 { return a + b }

//go:wasmexport mul_f64
func mulF64(a, b float64) float64 { return a * b }

//go:wasmexport half_f32
func halfF32(a float32) float32 { return a / 2 }

//go:wasmexport mix
func mix(a int32, b float64, c int64, d float32) float64 {
	return float64(a) + b + float64(c) + float64(d)
}

//go:wasmexport sum5
func sum5(a, b, c, d, e int32) int32 { return a + b + c + d + e }

//go:wasmexport min_i64
func minI64() int64 { return math.MinInt64 }

//go:wasmexport nan
func nan() float64 { return math.NaN() }

//go:wasmexport not
func not(b bool) bool { return !b }

var counter int64

//go:wasmexport inc
func inc() int64 { counter++; return counter }

//go:wasmexport nothing
func nothing() {}

//go:wasmexport hello
func hello() {
	fmt.Println("hello from Go, héllo")
	fmt.Fprintln(os.Stderr, "and to stderr")
}

//go:wasmexport divide
func divide(a, b int32) int32 { return a / b }

//go:wasmexport boom
func boom() { panic("boom from Go") }

//go:wasmexport exit
func exit(code int32) { os.Exit(int(code)) }

//go:wasmexport spin
func spin(n int64) int64 {
	var x int64
	for i := int64(0); i < n; i++ {
		x = x*31 + i
	}
	return x
}

func main() {}

// Command hostcalls is a Go reactor that calls its host through
// //go:wasmimport, for gowasm's host function tests.
package main

import (
	"unsafe"

	gowasm "github.com/gowasm/gowasm/guest"
)

//go:wasmimport env log
func hostLog(ptr unsafe.Pointer, size uint32)

//go:wasmimport env add_one
func hostAddOne(x int32) int32

//go:wasmimport env scale
func hostScale(x float64, by float32) float64

//go:wasmimport env call_double
func hostCallDouble(x int32) int32

//go:wasmimport env big
func hostBig(x int64) int64

func log(s string) {
	b := []byte(s)
	hostLog(unsafe.Pointer(&b[0]), uint32(len(b)))
}

//go:wasmexport say
func say(ptr, size uint32) { log("guest says: " + gowasm.ReadString(ptr, size)) }

//go:wasmexport add_one
func addOne(x int32) int32 { return hostAddOne(x) }

//go:wasmexport scale
func scale(x float64) float64 { return hostScale(x, 0.5) }

//go:wasmexport big
func big(x int64) int64 { return hostBig(x) }

// double is what the host calls back into from call_double.
//
//go:wasmexport double
func double(x int32) int32 { return 2 * x }

// reenter asks the host, which calls double, and adds one.
//
//go:wasmexport reenter
func reenter(x int32) int32 { return hostCallDouble(x) + 1 }

var calls int32

//go:wasmexport count
func count() int32 { calls++; return calls }

func main() {}

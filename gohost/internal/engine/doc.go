// Package engine is gowasm's engine: it loads modules into wazero (module.go,
// link.go, loadstop.go), calls their exports (func.go, typed.go,
// mapcalls.go), stops them (interrupt.go), gives them host functions, stdio
// and WASI (hostfuncs.go, stdio.go, wasi.go), and keeps modules from
// deadlocking each other (deadlock.go). It is pure Go (no cgo) so that it can
// be tested with go test; the cgo layer in gohost/ only converts between C and
// these types. It is the one package that imports the others; the per-call
// path stays inside it.
package engine

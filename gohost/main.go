// Command gohost is libgowasm, gowasm's native core: a c-shared library that
// embeds wazero and exposes the C ABI declared in gowasm.h. Build it with
//
//	go build -buildmode=c-shared -o libgowasm.so ./gohost
//
// This package is the cgo layer: every //export (exports.go, fastcalls.go
// and the generated calls_gen.go, memory.go, typed.go, mapcalls.go) converts
// between C and Go and recovers panics (errors.go); callbacks.go calls back
// into the embedder; watcher.go is the C thread that asks long guest calls
// to poll. The engine is internal/engine, plain Go tested with go test, over
// the smaller packages of internal/ (each one's doc.go says its job).
package main

//go:generate go run ./internal/gen .

func main() {} // required by -buildmode=c-shared, never run

// Command gohost is libgowasm, gowasm's native core: a c-shared library that
// embeds wazero and exposes the C ABI declared in gowasm.h. Build it with
//
//	go build -buildmode=c-shared -o libgowasm.so ./gohost
//
// The exports in this package only convert between C and Go; the engine is
// internal/host, which is plain Go and tested with go test.
package main

//go:generate go run ./internal/gen .

func main() {} // required by -buildmode=c-shared, never run

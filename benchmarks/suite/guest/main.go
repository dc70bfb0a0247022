// Command guest is the benchmark suite's Go reactor (benchmarks/suite.py):
// the same exports serve every peer; str/bytes values use gowasm's
// convention (malloc, (ptr, len) in, ptr << 32 | len out), which the peers
// without it are driven through by hand.
package main

import (
	"crypto/sha256"
	"encoding/json"

	gowasm "github.com/gowasm/gowasm/guest"
)

func init() {
	gowasm.Export("sha", gowasm.Params(gowasm.Bytes), gowasm.Results(gowasm.Bytes), gowasm.Names("data"))
	gowasm.Export("jsonsum", gowasm.Params(gowasm.Bytes), gowasm.Results(gowasm.Int), gowasm.Names("doc"))
	gowasm.Export("echo", gowasm.Params(gowasm.Bytes), gowasm.Results(gowasm.Bytes), gowasm.Names("data"))
	gowasm.Export("greet", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String), gowasm.Names("name"))
}

//go:wasmexport sum
func sum(a, b int32) int32 { return a + b }

//go:wasmexport fib
func fib(n int32) int32 {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// sha returns the sha256 digest of its argument.
//
//go:wasmexport sha
func sha(ptr, size uint32) uint64 {
	h := sha256.Sum256(gowasm.UnsafeBytes(ptr, size))
	return gowasm.ReturnBytes(h[:])
}

type item struct {
	ID    int64    `json:"id"`
	Name  string   `json:"name"`
	Score float64  `json:"score"`
	Tags  []string `json:"tags"`
}

// jsonsum decodes a JSON array of items and returns the sum of their ids.
//
//go:wasmexport jsonsum
func jsonsum(ptr, size uint32) int64 {
	var items []item
	if err := json.Unmarshal(gowasm.UnsafeBytes(ptr, size), &items); err != nil {
		return -1
	}
	var s int64
	for _, it := range items {
		s += it.ID
	}
	return s
}

// echo returns its argument: one copy in, one copy out.
//
//go:wasmexport echo
func echo(ptr, size uint32) uint64 {
	return gowasm.ReturnBytes(gowasm.UnsafeBytes(ptr, size))
}

//go:wasmexport greet
func greet(name string) uint64 { return gowasm.ReturnString("Hello, " + name + "!") }

//go:wasmimport env pong
func pong(x int32) int32

// ping calls the host's pong n times: the cost of a guest -> host call.
//
//go:wasmexport ping
func ping(n int32) int32 {
	var s int32
	for i := int32(0); i < n; i++ {
		s += pong(i)
	}
	return s
}

func main() {}

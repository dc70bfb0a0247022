// Command loops is a Go reactor for the benchmark of interrupt checks
// (bench_calls.py): a tight counting loop and sha256 over a buffer, the
// loop-heavy code the checks cost most on (recursive fib is in
// examples/sum).
package main

import "crypto/sha256"

//go:wasmexport count
func count(n int64) int64 {
	var s int64
	for i := int64(0); i < n; i++ {
		s += i ^ (s >> 3)
	}
	return s
}

var buf = make([]byte, 1<<20)

// sha hashes 1 MiB n times, each round feeding the last digest back in.
//
//go:wasmexport sha
func sha(n int32) int32 {
	var h [32]byte
	for i := int32(0); i < n; i++ {
		h = sha256.Sum256(buf)
		buf[0] = h[0]
	}
	return int32(h[0])
}

func main() {}

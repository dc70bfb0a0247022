// Package spinlib has functions that run as long as asked: the guest of
// tests/test_timeouts.py's from_go bindings.
package spinlib

// Spin counts to n and returns it.
func Spin(n int) int {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
	}
	if x == 0 { // never (xorshift keeps x nonzero): keeps the loop
		return -1
	}
	return n
}

// Echo counts to n, then returns s.
func Echo(s string, n int) string {
	Spin(n)
	return s
}

// Checked counts to n, with an error result (a framed binding).
func Checked(n int) (int, error) { return Spin(n), nil }

// Narrow counts to n, then returns v (a range-checked parameter).
func Narrow(v int8, n int) int8 {
	Spin(n)
	return v
}

// Sum counts to n, then adds xs to it (a variadic binding).
func Sum(n int, xs ...int) int {
	n = Spin(n)
	for _, x := range xs {
		n += x
	}
	return n
}

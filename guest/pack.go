package gowasm

// Pack returns the i64 a str, bytes or json result is returned as: ptr in the
// high 32 bits, size in the low 32. A wasm export has one result in Go, and
// one i64 costs the host nothing to take apart.
//
// The host sees an i64, which Python reads as signed: it must take the value
// modulo 2**64 before splitting it, or a pointer at or above 2 GiB comes out
// negative.
func Pack(ptr, size uint32) uint64 {
	return uint64(ptr)<<32 | uint64(size)
}

// Unpack splits a value made by Pack.
func Unpack(packed uint64) (ptr, size uint32) {
	return uint32(packed >> 32), uint32(packed)
}

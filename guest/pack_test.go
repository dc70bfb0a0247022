package gowasm

import "testing"

func TestPack(t *testing.T) {
	for _, c := range []struct {
		ptr, size uint32
		packed    uint64
	}{
		{0, 0, 0},
		{1, 2, 1<<32 | 2},
		{0x12345678, 0x9abcdef0, 0x123456789abcdef0},
		{0xffffffff, 0xffffffff, 0xffffffffffffffff},
		{0x80000000, 5, 0x8000000000000005}, // negative as the i64 Python sees
	} {
		if got := Pack(c.ptr, c.size); got != c.packed {
			t.Errorf("Pack(%#x, %#x) = %#x, want %#x", c.ptr, c.size, got, c.packed)
		}
		if ptr, size := Unpack(c.packed); ptr != c.ptr || size != c.size {
			t.Errorf("Unpack(%#x) = %#x, %#x, want %#x, %#x", c.packed, ptr, size, c.ptr, c.size)
		}
	}
}

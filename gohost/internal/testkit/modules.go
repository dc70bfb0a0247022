package testkit

import "bytes"

// Modules built byte by byte, in the binary format, for tests of what
// gowasm does with unusual or hostile ones.

// AppendU32 appends v in LEB128.
func AppendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// Section is a section of the binary format.
func Section(id byte, body []byte) []byte {
	return append(append([]byte{id}, AppendU32(nil, uint32(len(body)))...), body...)
}

// Vec is a vector of n copies of entry.
func Vec(n int, entry []byte) []byte {
	return append(AppendU32(nil, uint32(n)), bytes.Repeat(entry, n)...)
}

// Module is a module of these sections.
func Module(sections ...[]byte) []byte {
	return append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Join(sections, nil)...)
}

// Func is a module of one function of type [] -> [] with these locals
// (groups of one i32 each up to 2^32-1) and body (without its end).
func Func(locals uint32, body []byte) []byte {
	var code []byte
	if locals > 0 {
		code = AppendU32(append(code, 1), locals)
		code = append(code, 0x7f)
	} else {
		code = append(code, 0)
	}
	code = append(append(code, body...), 0x0b)
	return Module(
		Section(1, Vec(1, []byte{0x60, 0, 0})),
		Section(3, Vec(1, []byte{0})),
		Section(10, append([]byte{1}, append(AppendU32(nil, uint32(len(code))), code...)...)))
}

// BrTable is a function with one br_table of n targets.
func BrTable(n int) []byte {
	body := AppendU32([]byte{0x02, 0x40, 0x41, 0x00, 0x0e}, uint32(n))
	body = append(append(body, bytes.Repeat([]byte{0}, n+1)...), 0x0b)
	return Func(0, body)
}

// Blocks is a function of n empty blocks in a row.
func Blocks(n int) []byte { return Func(0, bytes.Repeat([]byte{0x02, 0x40, 0x0b}, n)) }

// Nested is a function of n nested blocks.
func Nested(n int) []byte {
	return Func(0, append(bytes.Repeat([]byte{0x02, 0x40}, n), bytes.Repeat([]byte{0x0b}, n)...))
}

// Type is a module whose one type has n parameters and m results.
func Type(n, m int) []byte {
	typ := append([]byte{0x60}, Vec(n, []byte{0x7f})...)
	return Module(Section(1, append([]byte{1}, append(typ, Vec(m, []byte{0x7f})...)...)))
}

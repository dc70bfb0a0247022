package wasmbin

import (
	"errors"
	"fmt"
)

// The engine's one reader (and writer) of the WebAssembly binary format,
// for what wazero's API does not do: the facts it does not expose (whether
// an imported memory is shared, its limits) and the interrupt
// instrumentation's rewrite (instrument.go reads and writes through it).
// What a loaded module is, the engine learns from wazero (Info); files are
// described without loading them by the Python inspector's own reader
// (python/gowasm/_tools/wasmbin.py). See RATIONALE.md, "One description of a
// module". It checks lengths, not validity: linking reads modules wazero
// has validated, and instrumentation, which reads them before, gives up on
// what it cannot read (the original module is then compiled, and wazero
// says what is wrong with it).

var errTruncated = errors.New("truncated module")

type reader struct {
	b   []byte
	pos int
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errTruncated
	}
	r.pos++
	return r.b[r.pos-1], nil
}

func (r *reader) u32() (uint32, error) {
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 { // most are one byte
		r.pos++
		return uint32(r.b[r.pos-1]), nil
	}
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("bad LEB128")
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(r.pos)+uint64(n) > uint64(len(r.b)) {
		return nil, errTruncated
	}
	r.pos += int(n)
	return r.b[r.pos-int(n) : r.pos], nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

// Limits are a memory's page limits; flags bit 0: has max, 1: shared, 2: 64-bit.
type Limits struct {
	Flags    byte
	Min, Max uint32
}

func (r *reader) limits() (Limits, error) {
	var l Limits
	var err error
	if l.Flags, err = r.byte(); err != nil {
		return l, err
	}
	if l.Min, err = r.u32(); err != nil {
		return l, err
	}
	if l.Flags&1 != 0 {
		l.Max, err = r.u32()
	}
	return l, err
}

// sections calls f with each section's id and contents.
func sections(wasm []byte, f func(id byte, body []byte) error) error {
	r := &reader{b: wasm, pos: 8} // past magic and version
	for r.pos < len(r.b) {
		id, body, err := r.section()
		if err != nil {
			return err
		}
		if err := f(id, body); err != nil {
			return err
		}
	}
	return nil
}

// section reads an id and the contents of its size: a section, or a
// subsection of the name section.
func (r *reader) section() (id byte, body []byte, err error) {
	if id, err = r.byte(); err != nil {
		return 0, nil, err
	}
	size, err := r.u32()
	if err != nil {
		return 0, nil, err
	}
	body, err = r.bytes(size)
	return id, body, err
}

// MemoryImports lists the memories a module imports, with their limits.
func MemoryImports(wasm []byte) ([]importEntry, error) {
	var out []importEntry
	err := sections(wasm, func(id byte, body []byte) error {
		if id != 2 { // the import section
			return nil
		}
		imports, err := readImports(body)
		for _, imp := range imports {
			if imp.kind == 2 {
				out = append(out, imp)
			}
		}
		return err
	})
	return out, err
}

// importEntry is one entry of the import section.
type importEntry struct {
	Module, Name string
	kind         byte   // 0 function, 1 table, 2 memory, 3 global, 4 tag
	typeIndex    uint32 // a function's
	Limits       Limits // a memory's or a table's
}

// readImports decodes an import section (the one parser of it: linking
// and instrumentation both use it).
func readImports(body []byte) ([]importEntry, error) {
	r := &reader{b: body}
	count, err := r.u32()
	if err != nil {
		return nil, err
	}
	var out []importEntry
	for i := uint32(0); i < count; i++ {
		var imp importEntry
		if imp.Module, err = r.name(); err != nil {
			return out, err
		}
		if imp.Name, err = r.name(); err != nil {
			return out, err
		}
		if imp.kind, err = r.byte(); err != nil {
			return out, err
		}
		switch imp.kind {
		case 0: // function: type index
			imp.typeIndex, err = r.u32()
		case 1: // table: reftype, limits
			if err = r.valType(); err == nil {
				imp.Limits, err = r.limits()
			}
		case 2: // memory
			imp.Limits, err = r.limits()
		case 3: // global: valtype, mutability
			if err = r.valType(); err == nil {
				_, err = r.byte()
			}
		case 4: // tag: attribute, type index
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			return out, fmt.Errorf("unknown import kind %d", imp.kind)
		}
		if err != nil {
			return out, err
		}
		out = append(out, imp)
	}
	return out, nil
}

// valTypes skips a vector of value types and returns its length.
func (r *reader) valTypes() (uint32, error) {
	n, err := r.u32()
	for i := uint32(0); i < n && err == nil; i++ {
		err = r.valType()
	}
	return n, err
}

// valType skips a value type: one byte, or (ref null? heaptype).
func (r *reader) valType() error {
	b, err := r.byte()
	if err != nil {
		return err
	}
	if b == 0x63 || b == 0x64 {
		return r.skipLEB()
	}
	return nil
}

func (r *reader) skipLEB() error {
	for i := 0; i < 10; i++ {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return errors.New("bad LEB128")
}

// MemoryModule is the binary of a module that only defines and exports a
// memory, which is how gowasm satisfies a memory import: the guest gets a
// fresh memory of exactly the limits it asked for (shared if it asked).
func MemoryModule(name string, l Limits) []byte {
	var mem []byte
	mem = append(mem, 1, l.Flags&^4) // one memory; 64-bit memories are not supported
	mem = AppendU32(mem, l.Min)
	if l.Flags&1 != 0 {
		mem = AppendU32(mem, l.Max)
	}
	exp := AppendU32([]byte{1}, uint32(len(name)))
	exp = append(exp, name...)
	exp = append(exp, 2, 0) // memory index 0
	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	out = AppendSection(out, 5, mem)
	return AppendSection(out, 7, exp)
}

func AppendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = AppendU32(out, uint32(len(body)))
	return append(out, body...)
}

func AppendU32(out []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

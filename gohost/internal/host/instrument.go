package host

import (
	"errors"
	"fmt"
	"strings"
)

// Interrupt instrumentation: gowasm rewrites a module before compiling it so
// that a guest can be stopped (Ctrl-C, timeouts) and yields to Go's garbage
// collector, at a cost of one global load and one branch at each loop header
// and at the entry of each function that calls others (see RATIONALE.md,
// "Stopping guests"). wazero's own mechanism, WithCloseOnContextDone, calls
// into Go at every loop header instead: 2-15x slower.
//
// The rewrite adds, without renumbering anything the module has:
//   - a mutable i32 global, exported as InterruptGlobal, that the host sets:
//     interruptStop makes the guest trap, interruptYield makes it pass
//     through Go once (memory.grow 0, which wazero's compiled code performs
//     in Go), so that a stop-the-world garbage collection can proceed;
//   - a function ("poll") that does that when the global is not zero;
//   - `global.get $g; if; call $poll; end` after every `loop` and at the
//     entry of every function that has a call instruction (and does not
//     start with a loop): every unbounded execution passes one or the other.
//   - a memory of 0 pages if the module has none (memory.grow needs one).
// Function, global, type and memory indices of the module are unchanged, so
// its name section stays valid; its DWARF sections (.debug_*), whose code
// offsets would not, are dropped.

// InterruptGlobal is the export name of the instrumentation's global.
const InterruptGlobal = "__gowasm_interrupt"

// Values of the interrupt global.
const (
	interruptNone  = 0
	interruptStop  = 1
	interruptYield = 2
)

var errNotInstrumentable = errors.New("not instrumentable")

// sectionOrder ranks known sections in the order the binary format requires
// (the tag section, 13, sits between memory and global).
var sectionOrder = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id   byte
	body []byte
}

// instrument returns the instrumented module, or an error saying why it
// could not be (an instruction it does not know, a name clash): the caller
// then runs the module as it is, without interruption.
func instrument(wasm []byte) ([]byte, error) {
	var secs []section
	if len(wasm) < 8 {
		return nil, errTruncated
	}
	if err := sections(wasm, func(id byte, body []byte) error {
		secs = append(secs, section{id, body})
		return nil
	}); err != nil {
		return nil, err
	}
	var m moduleCounts
	for _, s := range secs {
		if err := m.count(s); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotInstrumentable, err)
		}
	}
	if m.exportNames[InterruptGlobal] {
		return nil, fmt.Errorf("%w: it already exports %s", errNotInstrumentable, InterruptGlobal)
	}
	global := m.importedGlobals + m.globals
	poll := m.importedFuncs + m.funcs
	check := appendU32(append(appendU32([]byte{0x23}, global), 0x04, 0x40, 0x10), poll)
	check = append(check, 0x0b)

	out := append([]byte(nil), wasm[:8]...)
	added := map[byte]bool{}
	emit := func(id byte, body []byte) { out = appendSection(out, id, body) }
	// addMissing emits the new sections that belong before a section of rank r.
	addMissing := func(r int) {
		if r > sectionOrder[1] && !m.has[1] && !added[1] {
			added[1] = true
			emit(1, []byte{1, 0x60, 0, 0})
			m.voidType, m.types = 0, 1
		}
		if r > sectionOrder[3] && !m.has[3] && !added[3] {
			added[3] = true
			emit(3, appendU32([]byte{1}, m.voidType))
		}
		if r > sectionOrder[5] && m.importedMems+m.mems == 0 && !added[5] {
			added[5] = true
			emit(5, []byte{1, 1, 0, 0}) // (memory 0 0)
		}
		if r > sectionOrder[6] && !m.has[6] && !added[6] {
			added[6] = true
			emit(6, appendGlobal([]byte{1}))
		}
		if r > sectionOrder[7] && !m.has[7] && !added[7] {
			added[7] = true
			emit(7, appendExport([]byte{1}, global))
		}
		if r > sectionOrder[10] && !m.has[10] && !added[10] {
			added[10] = true
			emit(10, appendPollBody([]byte{1}, global))
		}
	}
	for _, s := range secs {
		if s.id == 0 {
			if name, _ := (&reader{b: s.body}).name(); strings.HasPrefix(name, ".debug_") {
				continue // DWARF: its code offsets no longer hold
			}
			out = appendSection(out, 0, s.body)
			continue
		}
		addMissing(sectionOrder[s.id])
		body := s.body
		var err error
		switch s.id {
		case 1:
			if m.voidType == noType {
				body = appendVec(s.body, []byte{0x60, 0, 0})
				m.voidType = m.types
			}
		case 3:
			body = appendVec(s.body, appendU32(nil, m.voidType))
		case 5:
			if m.importedMems+m.mems == 0 {
				body = appendVec(s.body, []byte{1, 0, 0})
			}
		case 6:
			body = appendVec(s.body, appendGlobal(nil))
		case 7:
			body = appendVec(s.body, appendExport(nil, global))
		case 10:
			if body, err = instrumentCode(s.body, check, global); err != nil {
				return nil, fmt.Errorf("%w: %v", errNotInstrumentable, err)
			}
		}
		emit(s.id, body)
	}
	addMissing(len(sectionOrder) + 1)
	return out, nil
}

const noType = ^uint32(0)

// moduleCounts are what instrument needs to know of a module.
type moduleCounts struct {
	has                                          map[byte]bool
	types, funcs, globals, mems                  uint32
	importedFuncs, importedGlobals, importedMems uint32
	voidType                                     uint32 // a type [] -> [], or noType
	exportNames                                  map[string]bool
}

func (m *moduleCounts) count(s section) error {
	if m.has == nil {
		m.has, m.exportNames, m.voidType = map[byte]bool{}, map[string]bool{}, noType
	}
	if s.id != 0 {
		m.has[s.id] = true
	}
	r := &reader{b: s.body}
	var n uint32
	var err error
	if s.id >= 1 && s.id <= 7 && s.id != 4 {
		if n, err = r.u32(); err != nil {
			return err
		}
	}
	switch s.id {
	case 1: // types: func types only (wazero has no GC types)
		m.types = n
		for i := uint32(0); i < n; i++ {
			form, err := r.byte()
			if err != nil {
				return err
			}
			if form != 0x60 {
				return fmt.Errorf("type form 0x%x", form)
			}
			params, err := r.valTypes()
			if err != nil {
				return err
			}
			results, err := r.valTypes()
			if err != nil {
				return err
			}
			if params == 0 && results == 0 && m.voidType == noType {
				m.voidType = i
			}
		}
	case 2:
		for i := uint32(0); i < n; i++ {
			if _, err := r.name(); err != nil {
				return err
			}
			if _, err := r.name(); err != nil {
				return err
			}
			kind, err := r.byte()
			if err != nil {
				return err
			}
			switch kind {
			case 0:
				m.importedFuncs++
				_, err = r.u32()
			case 1:
				if err = r.refType(); err == nil {
					_, err = r.limits()
				}
			case 2:
				m.importedMems++
				_, err = r.limits()
			case 3:
				m.importedGlobals++
				if err = r.valType(); err == nil {
					_, err = r.byte()
				}
			case 4: // tag: attribute, type index
				if _, err = r.byte(); err == nil {
					_, err = r.u32()
				}
			default:
				return fmt.Errorf("import kind %d", kind)
			}
			if err != nil {
				return err
			}
		}
	case 3:
		m.funcs = n
	case 5:
		m.mems = n
	case 6:
		m.globals = n
	case 7:
		for i := uint32(0); i < n; i++ {
			name, err := r.name()
			if err != nil {
				return err
			}
			m.exportNames[name] = true
			if _, err := r.byte(); err != nil {
				return err
			}
			if _, err := r.u32(); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendVec adds one entry to a section that is a vector: its count and
// then entries.
func appendVec(body []byte, entry []byte) []byte {
	r := &reader{b: body}
	n, _ := r.u32()
	out := appendU32(nil, n+1)
	out = append(out, body[r.pos:]...)
	return append(out, entry...)
}

// appendGlobal appends the interrupt global: (mut i32) (i32.const 0).
func appendGlobal(out []byte) []byte {
	return append(out, 0x7f, 1, 0x41, 0, 0x0b)
}

func appendExport(out []byte, global uint32) []byte {
	out = appendU32(out, uint32(len(InterruptGlobal)))
	out = append(out, InterruptGlobal...)
	return appendU32(append(out, 3), global)
}

// appendPollBody appends the poll function's body (size first):
//
//	global.get $g  i32.const 1  i32.eq  if  unreachable  end
//	i32.const 0  global.set $g
//	i32.const 0  memory.grow  drop
func appendPollBody(out []byte, global uint32) []byte {
	g := appendU32(nil, global)
	var body []byte
	body = append(body, 0) // no locals
	body = append(append(append(body, 0x23), g...), 0x41, interruptStop, 0x46, 0x04, 0x40, 0x00, 0x0b)
	body = append(append(append(body, 0x41, 0), 0x24), g...)
	body = append(body, 0x41, 0, 0x40, 0, 0x1a, 0x0b)
	return append(appendU32(out, uint32(len(body))), body...)
}

// instrumentCode rewrites the code section: checks in every body, then the
// poll function's body.
func instrumentCode(code, check []byte, global uint32) ([]byte, error) {
	r := &reader{b: code}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(code)+len(code)/8+64)
	out = appendU32(out, n+1)
	var loops []int
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		b, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		if out, loops, err = instrumentBody(out, b, check, loops[:0]); err != nil {
			return nil, fmt.Errorf("function %d: %v", i, err)
		}
	}
	return appendPollBody(out, global), nil
}

// instrumentBody appends one function body, size first, with a check after
// each loop instruction and, if the function calls others and does not
// start with a loop, one at its entry. loops is scratch space.
func instrumentBody(out, body, check []byte, loops []int) ([]byte, []int, error) {
	r := &reader{b: body}
	groups, err := r.u32()
	if err != nil {
		return nil, nil, err
	}
	for i := uint32(0); i < groups; i++ {
		if _, err := r.u32(); err != nil {
			return nil, nil, err
		}
		if err := r.valType(); err != nil {
			return nil, nil, err
		}
	}
	code := r.pos
	calls := false
	for r.pos < len(body) {
		start := r.pos
		op, call, err := r.instruction()
		if err != nil {
			return nil, nil, fmt.Errorf("at byte %d: %v", start, err)
		}
		calls = calls || call
		if op == 0x03 {
			loops = append(loops, r.pos)
		}
	}
	entry := calls && !(code < len(body) && body[code] == 0x03)
	size := len(body) + len(loops)*len(check)
	if entry {
		size += len(check)
	}
	out = append(appendU32(out, uint32(size)), body[:code]...)
	if entry {
		out = append(out, check...)
	}
	from := code
	for _, at := range loops {
		out = append(append(out, body[from:at]...), check...)
		from = at
	}
	return append(out, body[from:]...), loops, nil
}

// instruction skips one instruction, returning its opcode and whether it
// calls a function.
func (r *reader) instruction() (op byte, call bool, err error) {
	if op, err = r.byte(); err != nil {
		return 0, false, err
	}
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06: // block, loop, if, try
		err = r.blockType()
	case op == 0x07 || op == 0x08 || op == 0x09 || op == 0x0c || op == 0x0d || op == 0x18 || op == 0xd5 || op == 0xd6:
		_, err = r.u32() // catch, throw, rethrow (tag/label), br, br_if, delegate, br_on_null, br_on_non_null
	case op == 0x0e:
		err = r.brTable()
	case op == 0x10 || op == 0x12 || op == 0x14 || op == 0x15: // call, return_call, call_ref, return_call_ref
		_, err = r.u32()
		call = true
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		_, err = r.u32()
		if err == nil {
			_, err = r.u32()
		}
		call = true
	case op == 0x1c: // select t*
		var n uint32
		if n, err = r.u32(); err == nil {
			for i := uint32(0); i < n && err == nil; i++ {
				err = r.valType()
			}
		}
	case op == 0x1f: // try_table
		err = r.tryTable()
	case op >= 0x20 && op <= 0x26: // locals, globals, table.get/set
		_, err = r.u32()
	case op >= 0x28 && op <= 0x3e:
		err = r.memArg()
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		_, err = r.u32()
	case op == 0x41 || op == 0x42:
		err = r.skipLEB()
	case op == 0x43:
		_, err = r.bytes(4)
	case op == 0x44:
		_, err = r.bytes(8)
	case op == 0xd0: // ref.null heaptype
		err = r.skipLEB()
	case op == 0xd2: // ref.func
		_, err = r.u32()
	case op == 0xfc:
		err = r.prefixFC()
	case op == 0xfd:
		err = r.prefixFD()
	case op == 0xfe:
		err = r.prefixFE()
	case op <= 0x01 || op == 0x05 || op == 0x0a || op == 0x0b || op == 0x0f || op == 0x19 || op == 0x1a || op == 0x1b ||
		(op >= 0x45 && op <= 0xc4) || op == 0xd1 || op == 0xd3 || op == 0xd4:
		// no immediates
	default:
		err = fmt.Errorf("unknown opcode 0x%x", op)
	}
	return op, call, err
}

func (r *reader) prefixFC() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 7: // saturating truncations
		return nil
	case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
		return r.skipU32s(2)
	case sub == 9 || sub == 11 || sub == 13 || (sub >= 15 && sub <= 17):
		return r.skipU32s(1)
	}
	return fmt.Errorf("unknown opcode 0xfc %d", sub)
}

func (r *reader) prefixFD() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 11 || sub == 92 || sub == 93: // loads, stores
		return r.memArg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		_, err = r.bytes(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		_, err = r.byte()
	case sub >= 84 && sub <= 91: // load/store lane
		if err = r.memArg(); err == nil {
			_, err = r.byte()
		}
	case sub <= 0x113: // everything else (relaxed SIMD included) has no immediate
	default:
		err = fmt.Errorf("unknown opcode 0xfd %d", sub)
	}
	return err
}

func (r *reader) prefixFE() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub == 3: // atomic.fence
		_, err = r.byte()
		return err
	case sub <= 2 || (sub >= 0x10 && sub <= 0x4e):
		return r.memArg()
	}
	return fmt.Errorf("unknown opcode 0xfe %d", sub)
}

// blockType skips a block type: empty (0x40), a value type, or a type index.
func (r *reader) blockType() error {
	if r.pos >= len(r.b) {
		return errTruncated
	}
	switch b := r.b[r.pos]; {
	case b == 0x40 || (b >= 0x7b && b <= 0x7f) || b == 0x70 || b == 0x6f || b == 0x69: // empty, numbers, v128, funcref, externref, exnref
		r.pos++
		return nil
	case b == 0x63 || b == 0x64:
		return r.refType()
	}
	return r.skipLEB() // s33 type index
}

func (r *reader) tryTable() error {
	if err := r.blockType(); err != nil {
		return err
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0, 1: // catch, catch_ref: tag, label
			err = r.skipU32s(2)
		case 2, 3: // catch_all, catch_all_ref: label
			err = r.skipU32s(1)
		default:
			return fmt.Errorf("unknown catch kind %d", kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) memArg() error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 { // multi-memory: a memory index follows
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return r.skipLEB() // offset (u64 for memory64)
}

// valTypes skips a vector of value types and returns its length.
func (r *reader) valTypes() (uint32, error) {
	n, err := r.u32()
	for i := uint32(0); i < n && err == nil; i++ {
		err = r.valType()
	}
	return n, err
}

func (r *reader) valType() error {
	b, err := r.byte()
	if err != nil {
		return err
	}
	if b == 0x63 || b == 0x64 { // (ref null? ht)
		return r.skipLEB()
	}
	return nil
}

func (r *reader) refType() error { return r.valType() }

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

// skipU32s skips n u32s.
func (r *reader) skipU32s(n int) error {
	for i := 0; i < n; i++ {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}

// brTable skips br_table's labels and default label.
func (r *reader) brTable() error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	return r.skipU32s(int(n) + 1)
}

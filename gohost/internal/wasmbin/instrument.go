package wasmbin

import (
	"errors"
	"fmt"
	"strings"
)

// Interrupt instrumentation: gowasm rewrites a module before compiling it so
// that a running guest can be stopped (Ctrl-C, timeouts) and lets Go's
// garbage collector stop the world, at the cost of one global load and one
// branch at each loop header and at the entry of each function that calls
// others (see RATIONALE.md, "Stopping guests"). wazero's own mechanism,
// WithCloseOnContextDone, calls into Go at every loop header instead: 2-15x
// slower.
//
// The rewrite adds to the module:
//   - a mutable i32 global, exported as InterruptGlobal, which the host sets
//     to ask the guest to call:
//   - an imported function, PollModule.PollName (after the module's own
//     imports: the module's functions move up by one index, and every
//     reference to them is renumbered: calls, ref.func, exports, the start
//     function, element segments, the name section), which the host
//     provides: it runs in Go on the guest's thread, clears the global, and
//     either returns (a yield: the garbage collector could stop the world
//     meanwhile) or stops the call by panicking;
//   - `global.get $g; if; call $poll; end` after every `loop` and at the
//     entry of every function that has a call instruction and does not
//     start with a loop: every unbounded execution passes one or the other.
// DWARF sections (.debug_*), whose code offsets would no longer hold, are
// dropped; the name section, renumbered, keeps function names in traces.
//
// The same rewrite makes table.grow checked (see engine/tables.go), in every
// module that has one, interruptible or not: it adds the import
// PollModule.TableGrowName, (delta, size, table) -> delta, after poll, and
// each `table.grow x` becomes `table.size x; i32.const x; call
// $table_grow; table.grow x`: the host answers the delta itself, or one
// that makes the grow fail (-1) past the module's memory_limit.

// InterruptGlobal is the export name of the instrumentation's global, and
// PollModule.PollName the import it calls when the global is not zero.
const (
	InterruptGlobal = "__gowasm_interrupt"
	PollModule      = "__gowasm"
	PollName        = "poll"
	TableGrowName   = "table_grow"
)

// Rewrites are what instrument adds: the interrupt checks, the table.grow
// checks, or both.
type Rewrites struct{ Interrupts, TableGrow bool }

var errNotInstrumentable = errors.New("not instrumentable")

// sectionOrder ranks known sections in the order the binary format requires
// (the tag section, 13, sits between memory and global).
var sectionOrder = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id   byte
	body []byte
}

// Instrument returns the instrumented module, or an error saying why it
// could not be (an instruction it does not know, a name clash): the caller
// then runs the module as it is, without interruption.
func Instrument(wasm []byte, what Rewrites) (out []byte, err error) {
	defer func() {
		if err != nil {
			out, err = nil, fmt.Errorf("%w: %v", errNotInstrumentable, err)
		}
	}()
	if len(wasm) < 8 {
		return nil, errTruncated
	}
	var secs []section
	if err := sections(wasm, func(id byte, body []byte) error {
		secs = append(secs, section{id, body})
		return nil
	}); err != nil {
		return nil, err
	}
	var m moduleCounts
	for _, s := range secs {
		if err := m.count(s); err != nil {
			return nil, err
		}
	}
	if m.exportNames[InterruptGlobal] || m.importModules[PollModule] {
		return nil, fmt.Errorf("it already uses the names %s or %s", InterruptGlobal, PollModule)
	}
	global := m.importedGlobals + m.globals
	rw := renumber{from: m.importedFuncs, nGlobals: global, nTypes: m.types}
	var check []byte
	if what.Interrupts {
		rw.added++
		check = AppendU32(append(AppendU32([]byte{0x23}, global), 0x04, 0x40, 0x10), rw.from)
		check = append(check, 0x0b)
	}
	growType := noType
	if what.TableGrow {
		rw.tableGrow, rw.checkGrow = rw.from+rw.added, true
		rw.added++
		if !m.has[1] {
			return nil, errors.New("table.grow in a module without types")
		}
	}

	out = make([]byte, 0, len(wasm)+len(wasm)/8+256)
	out = append(out, wasm[:8]...)
	voidType := m.voidType
	added := map[byte]bool{}
	// addMissing emits the new sections that belong before a section of rank r.
	addMissing := func(r int) {
		if r > sectionOrder[1] && !m.has[1] && !added[1] && what.Interrupts {
			added[1] = true
			out = AppendSection(out, 1, []byte{1, 0x60, 0, 0})
			voidType = 0
		}
		if r > sectionOrder[2] && !m.has[2] && !added[2] {
			added[2] = true
			out = AppendSection(out, 2, appendImports(nil, what, voidType, growType))
		}
		if r > sectionOrder[6] && !m.has[6] && !added[6] && what.Interrupts {
			added[6] = true
			out = AppendSection(out, 6, appendGlobal([]byte{1}))
		}
		if r > sectionOrder[7] && !m.has[7] && !added[7] && what.Interrupts {
			added[7] = true
			out = AppendSection(out, 7, appendExport([]byte{1}, global))
		}
	}
	for _, s := range secs {
		if s.id == 0 {
			r := &reader{b: s.body}
			switch name, _ := r.name(); {
			case strings.HasPrefix(name, ".debug_"):
				continue // DWARF: its code offsets no longer hold
			case name == "name":
				body, err := rw.nameSection(s.body, r.pos)
				if err != nil {
					return nil, fmt.Errorf("name section: %v", err)
				}
				out = AppendSection(out, 0, body)
				continue
			}
			out = AppendSection(out, 0, s.body)
			continue
		}
		addMissing(sectionOrder[s.id])
		body := s.body
		var err error
		switch s.id {
		case 1:
			next := m.types
			if voidType == noType && what.Interrupts {
				body = appendVec(body, []byte{0x60, 0, 0})
				voidType, next = next, next+1
			}
			if what.TableGrow {
				body = appendVec(body, []byte{0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f})
				growType = next
			}
		case 2:
			body = appendVecs(s.body, appendImports(nil, what, voidType, growType))
		case 4:
			body, err = rw.tables(s.body)
		case 6:
			if body, err = rw.globals(s.body); err == nil && what.Interrupts {
				body = appendVec(body, appendGlobal(nil))
			}
		case 7:
			if body, err = rw.exports(s.body); err == nil && what.Interrupts {
				body = appendVec(body, appendExport(nil, global))
			}
		case 8:
			r := &reader{b: s.body}
			var start uint32
			if start, err = r.u32(); err == nil {
				body = AppendU32(nil, rw.fn(start))
			}
		case 9:
			body, err = rw.elements(s.body)
		case 10:
			body, err = rw.code(s.body, check)
		}
		if err != nil {
			return nil, fmt.Errorf("section %d: %v", s.id, err)
		}
		out = AppendSection(out, s.id, body)
	}
	addMissing(len(sectionOrder) + 1)
	return out, nil
}

const noType = ^uint32(0)

// moduleCounts are what instrument needs to know of a module.
type moduleCounts struct {
	has                            map[byte]bool
	types, funcs, globals          uint32
	importedFuncs, importedGlobals uint32
	voidType                       uint32 // a type [] -> [], or noType
	exportNames, importModules     map[string]bool
}

func (m *moduleCounts) count(s section) error {
	if m.has == nil {
		m.has, m.exportNames, m.importModules, m.voidType = map[byte]bool{}, map[string]bool{}, map[string]bool{}, noType
	}
	if s.id != 0 {
		m.has[s.id] = true
	}
	r := &reader{b: s.body}
	var n uint32
	var err error
	switch s.id {
	case 1, 3, 6, 7:
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
		imports, err := readImports(s.body)
		if err != nil {
			return err
		}
		for _, imp := range imports {
			m.importModules[imp.Module] = true
			switch imp.kind {
			case 0:
				m.importedFuncs++
				if imp.typeIndex >= m.types {
					return fmt.Errorf("type %d, which it lacks", imp.typeIndex)
				}
			case 3:
				m.importedGlobals++
			}
		}
	case 3:
		m.funcs = n
		for i := uint32(0); i < n && err == nil; i++ {
			err = m.typeIndex(r)
		}
		return err
	case 6:
		m.globals = n
	case 7:
		for i := uint32(0); i < n; i++ {
			name, err := r.name()
			if err != nil {
				return err
			}
			m.exportNames[name] = true
			kind, err := r.byte()
			if err != nil {
				return err
			}
			idx, err := r.u32()
			if err != nil {
				return err
			}
			if kind == 3 && idx >= m.importedGlobals+m.globals {
				return fmt.Errorf("export of global %d, which it lacks", idx)
			}
		}
	}
	return nil
}

// typeIndex reads a type index, which must be one of the module's own: the
// type instrument may add must not make a module that refers to it valid.
func (m *moduleCounts) typeIndex(r *reader) error {
	t, err := r.u32()
	if err == nil && t >= m.types {
		return fmt.Errorf("type %d, which it lacks", t)
	}
	return err
}

// appendVec adds one entry to a section that is a vector: its count and
// then entries.
func appendVec(body []byte, entry []byte) []byte {
	r := &reader{b: body}
	n, _ := r.u32()
	out := AppendU32(make([]byte, 0, len(body)+len(entry)+5), n+1)
	out = append(out, body[r.pos:]...)
	return append(out, entry...)
}

func appendName(out []byte, name string) []byte {
	return append(AppendU32(out, uint32(len(name))), name...)
}

// appendImports appends the imports instrument adds, as a vector.
func appendImports(out []byte, what Rewrites, voidType, growType uint32) []byte {
	n := uint32(0)
	var entries []byte
	if what.Interrupts {
		n++
		entries = AppendU32(append(appendName(appendName(entries, PollModule), PollName), 0), voidType)
	}
	if what.TableGrow {
		n++
		entries = AppendU32(append(appendName(appendName(entries, PollModule), TableGrowName), 0), growType)
	}
	return append(AppendU32(out, n), entries...)
}

// appendVecs adds the entries of vector vec to a section that is a vector.
func appendVecs(body, vec []byte) []byte {
	r := &reader{b: vec}
	n, _ := r.u32()
	b := &reader{b: body}
	m, _ := b.u32()
	out := AppendU32(make([]byte, 0, len(body)+len(vec)+5), m+n)
	out = append(out, body[b.pos:]...)
	return append(out, vec[r.pos:]...)
}

// appendS32 appends v as a signed LEB128 (i32.const's immediate).
func appendS32(out []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

// appendGlobal appends the interrupt global: (mut i32) (i32.const 2). It
// starts set, so that the guest's first check calls poll, which is how the
// host learns where the compiled guest keeps the global (see poll).
func appendGlobal(out []byte) []byte {
	return append(out, 0x7f, 1, 0x41, 2, 0x0b)
}

func appendExport(out []byte, global uint32) []byte {
	return AppendU32(append(appendName(out, InterruptGlobal), 3), global)
}

// renumber moves the module's own functions up by one index, past the
// poll import, in everything that refers to them.
// It also checks that the module refers to no global or type past its
// own, which the ones instrument adds would make valid.
// added is how many imports instrument adds; tableGrow, the index of
// the table_grow import, if it adds it.
type renumber struct {
	from, added, tableGrow, nGlobals, nTypes uint32
	checkGrow                                bool
}

// isTableGrow says whether the instruction at b[at:], of opcode 0xfc, is a
// table.grow to rewrite.
func (rw renumber) isTableGrow(b []byte, at int) bool {
	sub, _ := (&reader{b: b, pos: at + 1}).u32()
	return rw.checkGrow && sub == 15
}

// checkIndices checks the global or type index of the instruction of
// opcode op at b[at:].
func (rw renumber) checkIndices(b []byte, at int, op byte) error {
	r := &reader{b: b, pos: at + 1}
	switch op {
	case 0x23, 0x24: // global.get, global.set
		if g, _ := r.u32(); g >= rw.nGlobals {
			return fmt.Errorf("global %d, which it lacks", g)
		}
	case 0x11, 0x13: // call_indirect, return_call_indirect
		if t, _ := r.u32(); t >= rw.nTypes {
			return fmt.Errorf("type %d, which it lacks", t)
		}
	case 0x02, 0x03, 0x04, 0x06, 0x1f: // block types
		if r.pos < len(b) && b[r.pos]&0xc0 != 0x40 { // not a negative s33 (a value type or empty)
			if t, err := r.u32(); err != nil || t >= rw.nTypes {
				return fmt.Errorf("block type %d, which it lacks", t)
			}
		}
	}
	return nil
}

func (rw renumber) fn(i uint32) uint32 {
	if i >= rw.from {
		return i + rw.added
	}
	return i
}

// copyFn appends body[from:r.pos] where the function index starting at fnAt
// (the last thing read) is renumbered.
func (rw renumber) copyFn(out, b []byte, from, fnAt int) []byte {
	i, _ := (&reader{b: b, pos: fnAt}).u32()
	return AppendU32(append(out, b[from:fnAt]...), rw.fn(i))
}

// expr copies a constant expression (up to its end), renumbering ref.func.
func (rw renumber) expr(out []byte, r *reader) ([]byte, error) {
	for {
		start := r.pos
		op, _, fnAt, err := r.instruction()
		if err == nil {
			err = rw.checkIndices(r.b, start, op)
		}
		if err != nil {
			return nil, err
		}
		if fnAt >= 0 {
			out = rw.copyFn(out, r.b, start, fnAt)
		} else {
			out = append(out, r.b[start:r.pos]...)
		}
		if op == 0x0b {
			return out, nil
		}
	}
}

// vector copies a section that is a vector of entries, each rewritten by f.
func vector(body []byte, f func(out []byte, r *reader) ([]byte, error)) ([]byte, error) {
	r := &reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := AppendU32(make([]byte, 0, len(body)+16), n)
	for i := uint32(0); i < n; i++ {
		if out, err = f(out, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// globals renumbers ref.func in global initializers.
func (rw renumber) globals(body []byte) ([]byte, error) {
	return vector(body, func(out []byte, r *reader) ([]byte, error) {
		start := r.pos
		if err := r.valType(); err != nil {
			return nil, err
		}
		if _, err := r.byte(); err != nil { // mutability
			return nil, err
		}
		return rw.expr(append(out, r.b[start:r.pos]...), r)
	})
}

// tables renumbers ref.func in table initializers (0x40 0x00 tabletype expr).
func (rw renumber) tables(body []byte) ([]byte, error) {
	return vector(body, func(out []byte, r *reader) ([]byte, error) {
		start := r.pos
		withInit := r.pos+1 < len(r.b) && r.b[r.pos] == 0x40 && r.b[r.pos+1] == 0x00
		if withInit {
			r.pos += 2
		}
		if err := r.valType(); err != nil {
			return nil, err
		}
		if _, err := r.limits(); err != nil {
			return nil, err
		}
		out = append(out, r.b[start:r.pos]...)
		if withInit {
			return rw.expr(out, r)
		}
		return out, nil
	})
}

func (rw renumber) exports(body []byte) ([]byte, error) {
	return vector(body, func(out []byte, r *reader) ([]byte, error) {
		start := r.pos
		if _, err := r.name(); err != nil {
			return nil, err
		}
		kind, err := r.byte()
		if err != nil {
			return nil, err
		}
		end := r.pos
		idx, err := r.u32()
		if err != nil {
			return nil, err
		}
		if kind == 0 {
			idx = rw.fn(idx)
		}
		return AppendU32(append(out, r.b[start:end]...), idx), nil
	})
}

// elements renumbers element segments: function indices (flags 0-3) or
// expressions (flags 4-7).
func (rw renumber) elements(body []byte) ([]byte, error) {
	return vector(body, func(out []byte, r *reader) ([]byte, error) {
		flags, err := r.u32()
		if err != nil {
			return nil, err
		}
		if flags > 7 {
			return nil, fmt.Errorf("element segment flags %d", flags)
		}
		out = AppendU32(out, flags)
		if flags&2 != 0 && flags&1 == 0 { // an explicit table index
			t, err := r.u32()
			if err != nil {
				return nil, err
			}
			out = AppendU32(out, t)
		}
		if flags&1 == 0 { // active: an offset
			if out, err = rw.expr(out, r); err != nil {
				return nil, err
			}
		}
		if flags&3 != 0 { // elemkind (0-3) or reftype (4-7)
			start := r.pos
			if flags&4 != 0 {
				err = r.valType()
			} else {
				_, err = r.byte()
			}
			if err != nil {
				return nil, err
			}
			out = append(out, r.b[start:r.pos]...)
		}
		n, err := r.u32()
		if err != nil {
			return nil, err
		}
		out = AppendU32(out, n)
		for i := uint32(0); i < n; i++ {
			if flags&4 != 0 {
				out, err = rw.expr(out, r)
			} else {
				var f uint32
				if f, err = r.u32(); err == nil {
					out = AppendU32(out, rw.fn(f))
				}
			}
			if err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

// nameSection renumbers the function names (1), local names (2) and label
// names (3) subsections, which are keyed by function index; others stay.
func (rw renumber) nameSection(body []byte, at int) ([]byte, error) {
	out := append([]byte(nil), body[:at]...)
	r := &reader{b: body, pos: at}
	for r.pos < len(body) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		sub, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		if id >= 1 && id <= 3 {
			if sub, err = vector(sub, func(out []byte, r *reader) ([]byte, error) {
				f, err := r.u32()
				if err != nil {
					return nil, err
				}
				start := r.pos
				if id == 1 {
					_, err = r.name()
				} else {
					err = r.skipNameMap()
				}
				if err != nil {
					return nil, err
				}
				return append(AppendU32(out, rw.fn(f)), r.b[start:r.pos]...), nil
			}); err != nil {
				return nil, err
			}
		}
		out = append(AppendU32(append(out, id), uint32(len(sub))), sub...)
	}
	return out, nil
}

func (r *reader) skipNameMap() error {
	n, err := r.u32()
	for i := uint32(0); i < n && err == nil; i++ {
		if _, err = r.u32(); err == nil {
			_, err = r.name()
		}
	}
	return err
}

// code rewrites the code section: calls renumbered, checks added.
func (rw renumber) code(code, check []byte) ([]byte, error) {
	r := &reader{b: code}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(code)+len(code)/8+64)
	out = AppendU32(out, n)
	var scratch []byte
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		b, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		if out, scratch, err = rw.body(out, scratch[:0], b, check); err != nil {
			return nil, fmt.Errorf("function %d: %v", i, err)
		}
	}
	return out, nil
}

// body appends one function body, size first, with its calls renumbered,
// a check after each loop instruction and, if it calls others and does not
// start with a loop, one at its entry. scratch is reusable space.
func (rw renumber) body(out, scratch, body, check []byte) ([]byte, []byte, error) {
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
	locals := r.pos
	startsWithLoop := locals < len(body) && body[locals] == 0x03
	calls := false
	from := locals
	for r.pos < len(body) {
		start := r.pos
		op, call, fnAt, err := r.instruction()
		if err == nil {
			err = rw.checkIndices(body, start, op)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("at byte %d: %v", start, err)
		}
		calls = calls || call
		switch {
		case fnAt >= 0:
			scratch = rw.copyFn(append(scratch, body[from:start]...), body, start, fnAt)
			from = r.pos
		case op == 0x03 && len(check) > 0:
			scratch = append(append(scratch, body[from:r.pos]...), check...)
			from = r.pos
		case op == 0xfc && rw.isTableGrow(body, start):
			// table.size x; i32.const x; call $table_grow; table.grow x
			sub := &reader{b: body, pos: start + 1}
			sub.u32()
			table, _ := sub.u32()
			scratch = append(scratch, body[from:start]...)
			scratch = AppendU32(append(scratch, 0xfc, 16), table)
			scratch = appendS32(append(scratch, 0x41), int32(table))
			scratch = AppendU32(append(scratch, 0x10), rw.tableGrow)
			scratch = append(scratch, body[start:r.pos]...)
			from = r.pos
		}
	}
	scratch = append(scratch, body[from:]...)
	size := locals + len(scratch)
	entry := calls && !startsWithLoop && len(check) > 0
	if entry {
		size += len(check)
	}
	out = append(AppendU32(out, uint32(size)), body[:locals]...)
	if entry {
		out = append(out, check...)
	}
	return append(out, scratch...), scratch, nil
}

// instruction skips one instruction, returning its opcode, whether it
// calls a function, and where its function index starts (call,
// return_call, ref.func; -1 otherwise: the index ends where the
// instruction does).
func (r *reader) instruction() (op byte, call bool, fnAt int, err error) {
	fnAt = -1
	if op, err = r.byte(); err != nil {
		return 0, false, fnAt, err
	}
	// A table lookup and a jump table, not a chain of comparisons: every
	// load reads every instruction of a module (limits.go), ~1.5x faster.
	switch opImmediates[op] {
	case immNone:
	case immBlockType: // block, loop, if, try
		err = r.blockType()
	case immU32: // labels, locals, globals, tables, tags, memory.size/grow
		_, err = r.u32()
	case immBrTable:
		err = r.brTable()
	case immCall: // call, return_call
		fnAt = r.pos
		_, err = r.u32()
		call = true
	case immCallRef: // call_ref, return_call_ref
		_, err = r.u32()
		call = true
	case immCallIndirect: // call_indirect, return_call_indirect
		err = r.skipU32s(2)
		call = true
	case immSelectT: // select t*
		var n uint32
		if n, err = r.u32(); err == nil {
			for i := uint32(0); i < n && err == nil; i++ {
				err = r.valType()
			}
		}
	case immTryTable:
		err = r.tryTable()
	case immMemArg:
		err = r.memArg()
	case immLEB: // i32.const, i64.const, ref.null heaptype
		err = r.skipLEB()
	case immBytes4: // f32.const
		_, err = r.bytes(4)
	case immBytes8: // f64.const
		_, err = r.bytes(8)
	case immRefFunc: // ref.func
		fnAt = r.pos
		_, err = r.u32()
	case immFC:
		err = r.prefixFC()
	case immFD:
		err = r.prefixFD()
	case immFE:
		err = r.prefixFE()
	default:
		err = fmt.Errorf("unknown opcode 0x%x", op)
	}
	return op, call, fnAt, err
}

// What follows each one-byte opcode, for instruction.
const (
	immUnknown = iota
	immNone
	immBlockType
	immU32
	immBrTable
	immCall
	immCallRef
	immCallIndirect
	immSelectT
	immTryTable
	immMemArg
	immLEB
	immBytes4
	immBytes8
	immRefFunc
	immFC
	immFD
	immFE
)

var opImmediates = func() (t [256]byte) {
	set := func(imm byte, ops ...int) {
		for _, op := range ops {
			t[op] = imm
		}
	}
	span := func(from, to int) (ops []int) {
		for op := from; op <= to; op++ {
			ops = append(ops, op)
		}
		return ops
	}
	set(immNone, 0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4)
	set(immNone, span(0x45, 0xc4)...)
	set(immBlockType, 0x02, 0x03, 0x04, 0x06)
	// catch, throw, rethrow, br, br_if, delegate, br_on_null, br_on_non_null
	set(immU32, 0x07, 0x08, 0x09, 0x0c, 0x0d, 0x18, 0xd5, 0xd6)
	set(immU32, span(0x20, 0x26)...) // locals, globals, table.get/set
	set(immU32, 0x3f, 0x40)          // memory.size, memory.grow
	set(immBrTable, 0x0e)
	set(immCall, 0x10, 0x12)
	set(immCallRef, 0x14, 0x15)
	set(immCallIndirect, 0x11, 0x13)
	set(immSelectT, 0x1c)
	set(immTryTable, 0x1f)
	set(immMemArg, span(0x28, 0x3e)...)
	set(immLEB, 0x41, 0x42, 0xd0)
	set(immBytes4, 0x43)
	set(immBytes8, 0x44)
	set(immRefFunc, 0xd2)
	set(immFC, 0xfc)
	set(immFD, 0xfd)
	set(immFE, 0xfe)
	return t
}()

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
		return r.valType()
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

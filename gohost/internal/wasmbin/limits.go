package wasmbin

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// Limits on what a module may declare, checked by CheckLimits before wazero
// reads the module. wazero allocates from the counts a module declares
// before it reads what they count (2^32-1 locals in a 40-byte module was
// Go's "fatal error: out of memory", which no recover catches), and its
// optimizing compiler takes time quadratic in a function's control
// instructions (RATIONALE.md, "Hostile modules": the measurements). The
// limits are other engines', which real modules stay far below, except
// MaxFunctionControl, which is gowasm's own.
const (
	// Per function: V8's and wasmtime's (wasmparser's) limits.
	MaxFunctionLocals   = 50_000    // declared locals (V8, wasmtime)
	MaxFunctionBodySize = 7_654_321 // bytes (V8)
	MaxBrTableTargets   = 65_520    // one br_table's labels (V8); all of a function's br_tables' (gowasm)
	MaxParams           = 1_000     // a function type's (V8, wasmtime)
	MaxResults          = 1_000     // a function type's (V8, wasmtime)
	// MaxFunctionControl bounds a function's control instructions (block,
	// loop, if, else, try, try_table, br_if, br_table, br_on_*; a loop
	// counts LoopWeight times, and so do memory.fill and table.fill, which
	// wazero compiles into loops), and so its nesting depth: wazero's compile
	// time grows with their square. Go's standard library tests peak at
	// 2,620 in a function (depth 549).
	MaxFunctionControl = 20_000
	// LoopWeight is what a loop counts for: with the interrupt check
	// instrumentation adds after each, 5,000 loops took as long to compile
	// as 20,000 blocks or br_ifs.
	LoopWeight = 4
	// MaxFunctionCost bounds (locals + parameters)^2 x (control
	// instructions + br_table targets + 1), the other way wazero's compile
	// time explodes: each local live across a merge or a loop becomes a
	// block parameter there, with an argument on every edge into it, and
	// its redundant-phi pass is quadratic in them. Real code is far below
	// it (the C corpus peaks at 6.6e6, Go's standard library at 4.8e5).
	MaxFunctionCost = 10_000_000_000
	// MaxBranchValues bounds the values a function's branches pass: its
	// widest block type (or its results) x (control instructions +
	// br_table targets + 1). wazero's SSA holds each branch's arguments
	// (each br_table target's), ~240 bytes a value when compiled; real code
	// passes one or two.
	MaxBranchValues = 1_000_000

	// Per module: wasmparser's (wasmtime's), which V8 shares.
	MaxTypes           = 1_000_000
	MaxFunctions       = 1_000_000 // defined ones
	MaxImports         = 100_000
	MaxExports         = 100_000
	MaxGlobals         = 1_000_000
	MaxTables          = 100
	MaxMemories        = 100
	MaxTags            = 1_000_000
	MaxDataSegments    = 100_000
	MaxElementSegments = 100_000
	// MaxElements bounds the entries of all element segments together,
	// which wazero holds as 24-byte expressions (wasmparser's limit on table
	// entries).
	MaxElements = 10_000_000
	// MaxNames bounds the name section's entries (function and local names
	// together), which wazero decodes into 24-byte entries each. No engine
	// has one: it is MaxElements again.
	MaxNames = 10_000_000
)

// TableEntryBytes is what one table entry counts against a module's
// memory_limit (a pointer: wazero's tables are []uintptr).
const TableEntryBytes = 8

// DefaultMaxTableEntries bounds a module's tables (all of them together)
// when no memory_limit is given: 80 MB, V8's and wasmtime's limit on one
// table's size.
const DefaultMaxTableEntries = 10_000_000

// LimitError is a module over one of the limits above (not malformed: the
// message says what to do about it).
type LimitError struct{ msg string }

func (e *LimitError) Error() string { return e.msg }

func overLimit(what string, n uint64, limit uint64, whose string) error {
	return &LimitError{fmt.Sprintf("%s: %d, over the limit of %d (%s)", what, n, limit, whose)}
}

// TableInfo is one table's limits, imported ones first (table index order).
type TableInfo struct {
	Min, Max uint32
	HasMax   bool
}

// moduleFacts is what CheckLimits learns on the way that others need.
type moduleFacts struct {
	Tables    []TableInfo
	TableGrow bool // a function has table.grow
}

// CheckLimits reads the whole module, every entry of every section and
// every instruction of every function, and refuses it if it declares more
// than the limits above, more table entries than maxTables, or a count
// that its bytes do not hold (a vector whose entries are not all there):
// wazero then never allocates for more than the module holds. It does not
// validate otherwise: wazero does, next. A module that does not start with
// WebAssembly's magic and version is left to wazero to refuse.
//
// A module that passed is remembered by its SHA-256, sum, for the process
// (reading a large module through is a fair part of a load from the cache:
// RATIONALE.md, "Hostile modules"), with what it learnt; the tables' sizes are checked against
// each load's maxTables.
func CheckLimits(wasm []byte, sum [sha256.Size]byte, maxTables uint64) (facts moduleFacts, err error) {
	if len(wasm) < 8 || string(wasm[:8]) != "\x00asm\x01\x00\x00\x00" {
		return facts, nil
	}
	Checked.Lock()
	facts, ok := Checked.Facts[sum]
	Checked.Unlock()
	if !ok {
		c := limitChecker{facts: &facts}
		err = sections(wasm, func(id byte, body []byte) error {
			if err := c.section(id, body); err != nil {
				return fmt.Errorf("%s section: %w", sectionName(id), err)
			}
			return nil
		})
		if err != nil {
			return facts, err
		}
		Checked.Lock()
		if len(Checked.Facts) >= maxChecked {
			clear(Checked.Facts)
		}
		Checked.Facts[sum] = facts
		Checked.Unlock()
	}
	if n := len(facts.Tables); n > MaxTables {
		return facts, overLimit("tables, imported ones included", uint64(n), MaxTables, wasmtimes)
	}
	var entries uint64
	for _, t := range facts.Tables {
		entries += uint64(t.Min)
	}
	if entries > maxTables {
		return facts, &LimitError{fmt.Sprintf(
			"its tables start with %d entries together (%d bytes), over the %d its memory_limit allows (%d bytes an entry; without memory_limit, %d)",
			entries, entries*TableEntryBytes, maxTables, TableEntryBytes, DefaultMaxTableEntries)}
	}
	return facts, nil
}

// Checked remembers the modules CheckLimits passed, up to maxChecked.
var Checked = struct {
	sync.Mutex
	Facts map[[sha256.Size]byte]moduleFacts
}{Facts: map[[sha256.Size]byte]moduleFacts{}}

const maxChecked = 4096

func sectionName(id byte) string {
	names := map[byte]string{0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
		6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag"}
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("unknown (%d)", id)
}

type limitChecker struct {
	facts    *moduleFacts
	elements uint64
	names    uint64
	// params and results are each type's parameter and result counts;
	// funcTypes, each defined function's type.
	params, results, funcTypes []uint32
}

// count reads a vector's length, which must be at most limit and at most
// the bytes left (every entry takes one at least).
func count(r *reader, what string, limit uint64, whose string) (uint32, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n) > limit {
		return 0, overLimit(what, uint64(n), limit, whose)
	}
	if int(n) > len(r.b)-r.pos {
		return 0, fmt.Errorf("%s %d, more than its %d bytes hold", what, n, len(r.b)-r.pos)
	}
	return n, nil
}

const (
	engines   = "V8's and wasmtime's"
	wasmtimes = "wasmtime's"
)

func (c *limitChecker) section(id byte, body []byte) error {
	r := &reader{b: body}
	var err error
	switch id {
	case 0:
		name, err := r.name()
		if err != nil || name != "name" {
			return err
		}
		return c.nameSection(r)
	case 1:
		err = vectorOf(r, "types", MaxTypes, engines, func() error {
			if form, err := r.byte(); err != nil || form != 0x60 {
				if err == nil {
					err = fmt.Errorf("type form 0x%x", form)
				}
				return err
			}
			n, err := valTypesUpTo(r, "parameters", MaxParams)
			if err != nil {
				return err
			}
			c.params = append(c.params, n)
			m, err := valTypesUpTo(r, "results", MaxResults)
			c.results = append(c.results, m)
			return err
		})
	case 2:
		var n uint32
		if n, err = count(r, "imports", MaxImports, wasmtimes); err != nil {
			return err
		}
		imports, err := readImports(body)
		if err != nil {
			return err
		}
		if uint32(len(imports)) != n {
			return errTruncated
		}
		for _, imp := range imports {
			if imp.kind == 1 {
				c.facts.Tables = append(c.facts.Tables, TableInfo{imp.Limits.Min, imp.Limits.Max, imp.Limits.Flags&1 != 0})
			}
		}
		return nil
	case 3:
		err = vectorOf(r, "functions", MaxFunctions, engines, func() error {
			t, err := r.u32()
			c.funcTypes = append(c.funcTypes, t)
			return err
		})
	case 4:
		err = vectorOf(r, "tables", MaxTables, wasmtimes, func() error {
			withInit := r.pos+1 < len(r.b) && r.b[r.pos] == 0x40 && r.b[r.pos+1] == 0x00
			if withInit {
				r.pos += 2
			}
			if err := r.valType(); err != nil {
				return err
			}
			l, err := r.limits()
			if err != nil {
				return err
			}
			c.facts.Tables = append(c.facts.Tables, TableInfo{l.Min, l.Max, l.Flags&1 != 0})
			if withInit {
				return constExpr(r)
			}
			return nil
		})
	case 5:
		err = vectorOf(r, "memories", MaxMemories, wasmtimes, func() error { _, err := r.limits(); return err })
	case 13:
		err = vectorOf(r, "tags", MaxTags, wasmtimes, func() error {
			if _, err := r.byte(); err != nil {
				return err
			}
			_, err := r.u32()
			return err
		})
	case 6:
		err = vectorOf(r, "globals", MaxGlobals, engines, func() error {
			if err := r.valType(); err != nil {
				return err
			}
			if _, err := r.byte(); err != nil {
				return err
			}
			return constExpr(r)
		})
	case 7:
		err = vectorOf(r, "exports", MaxExports, engines, func() error {
			if _, err := r.name(); err != nil {
				return err
			}
			if _, err := r.byte(); err != nil {
				return err
			}
			_, err := r.u32()
			return err
		})
	case 8, 12:
		_, err = r.u32()
	case 9:
		err = vectorOf(r, "element segments", MaxElementSegments, wasmtimes, func() error { return c.elementSegment(r) })
	case 10:
		i := 0
		err = vectorOf(r, "functions", MaxFunctions, engines, func() error {
			size, err := r.u32()
			if err != nil {
				return err
			}
			if size > MaxFunctionBodySize {
				return overLimit(fmt.Sprintf("function %d: body bytes", i), uint64(size), MaxFunctionBodySize, "V8's")
			}
			b, err := r.bytes(size)
			if err == nil {
				err = c.body(b, c.typeOf(i))
			}
			if err != nil {
				return fmt.Errorf("function %d: %w", i, err)
			}
			i++
			return nil
		})
	case 11:
		err = vectorOf(r, "data segments", MaxDataSegments, engines, func() error {
			flags, err := r.u32()
			if err != nil {
				return err
			}
			if flags > 2 {
				return fmt.Errorf("data segment flags %d", flags)
			}
			if flags == 2 {
				if _, err := r.u32(); err != nil {
					return err
				}
			}
			if flags != 1 {
				if err := constExpr(r); err != nil {
					return err
				}
			}
			n, err := r.u32()
			if err == nil {
				_, err = r.bytes(n)
			}
			return err
		})
	default:
		return nil // wazero refuses it
	}
	if err == nil && r.pos != len(body) {
		err = fmt.Errorf("%d bytes after its entries", len(body)-r.pos)
	}
	return err
}

// vectorOf reads a vector of at most limit entries, each with entry.
func vectorOf(r *reader, what string, limit uint64, whose string, entry func() error) error {
	n, err := count(r, what, limit, whose)
	for i := uint32(0); i < n && err == nil; i++ {
		err = entry()
	}
	return err
}

// valTypesUpTo reads a vector of at most limit value types.
func valTypesUpTo(r *reader, what string, limit uint64) (uint32, error) {
	n, err := count(r, what, limit, engines)
	for i := uint32(0); i < n && err == nil; i++ {
		err = r.valType()
	}
	return n, err
}

// constExpr reads a constant expression, up to its end.
func constExpr(r *reader) error {
	for {
		op, _, _, err := r.instruction()
		if err != nil {
			return err
		}
		switch op {
		case 0x0b:
			return nil
		case 0x02, 0x03, 0x04, 0x06, 0x1f:
			return fmt.Errorf("a block in a constant expression")
		}
	}
}

func (c *limitChecker) elementSegment(r *reader) error {
	flags, err := r.u32()
	if err != nil {
		return err
	}
	if flags > 7 {
		return fmt.Errorf("element segment flags %d", flags)
	}
	if flags&2 != 0 && flags&1 == 0 { // an explicit table index
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	if flags&1 == 0 { // active: an offset
		if err := constExpr(r); err != nil {
			return err
		}
	}
	if flags&3 != 0 { // elemkind (0-3) or reftype (4-7)
		if flags&4 != 0 {
			err = r.valType()
		} else {
			_, err = r.byte()
		}
		if err != nil {
			return err
		}
	}
	n, err := count(r, "element segment entries", MaxElements, wasmtimes)
	if err != nil {
		return err
	}
	if c.elements += uint64(n); c.elements > MaxElements {
		return overLimit("element segment entries (all segments)", c.elements, MaxElements, wasmtimes)
	}
	for i := uint32(0); i < n && err == nil; i++ {
		if flags&4 != 0 {
			err = constExpr(r)
		} else {
			_, err = r.u32()
		}
	}
	return err
}

// nameSection reads the subsections of the name section that wazero
// decodes: function names (1) and local names (2).
func (c *limitChecker) nameSection(r *reader) error {
	for r.pos < len(r.b) {
		id, sub, err := r.section()
		if err != nil {
			return err
		}
		if id != 1 && id != 2 {
			continue
		}
		s := &reader{b: sub}
		names := func(what string, limit uint64) error {
			n, err := count(s, what, limit, "gowasm's")
			if err != nil {
				return err
			}
			if c.names += uint64(n); c.names > MaxNames {
				return overLimit("names in the name section", c.names, MaxNames, "gowasm's")
			}
			for i := uint32(0); i < n && err == nil; i++ {
				if _, err = s.u32(); err == nil {
					_, err = s.name()
				}
			}
			return err
		}
		if id == 1 {
			err = names("function names", MaxFunctions+MaxImports)
		} else {
			err = vectorOf(s, "functions with local names", MaxFunctions, "gowasm's", func() error {
				if _, err := s.u32(); err != nil {
					return err
				}
				return names("local names of a function", MaxFunctionLocals+MaxParams)
			})
		}
		if err != nil {
			return fmt.Errorf("name subsection %d: %w", id, err)
		}
	}
	return nil
}

// typeOf is the type of defined function i, or of a block type's type
// index t (-1 if the module does not say: wazero refuses it).
func (c *limitChecker) typeOf(i int) int {
	if i < len(c.funcTypes) {
		return int(c.funcTypes[i])
	}
	return -1
}

// counts are type t's parameter and result counts (none for a type the
// module lacks: wazero refuses it).
func (c *limitChecker) counts(t int) (params, results uint32) {
	if t >= 0 && t < len(c.params) && t < len(c.results) {
		return c.params[t], c.results[t]
	}
	return 0, 0
}

// blockWidth is how many values the block type at b[at:] takes or gives
// (the larger): 0 or 1 for a value type, else its function type's.
func (c *limitChecker) blockWidth(b []byte, at int) uint32 {
	switch {
	case at >= len(b) || b[at] == 0x40: // empty
		return 0
	case b[at]&0xc0 == 0x40: // another negative s33: a value type
		return 1
	}
	t, _ := (&reader{b: b, pos: at}).u32()
	params, results := c.counts(int(t))
	return max(params, results)
}

// body checks one function body: its locals, its control instructions,
// its br_tables, what they cost together, and notes table.grow.
func (c *limitChecker) body(b []byte, typ int) error {
	params, results := c.counts(typ)
	r := &reader{b: b}
	groups, err := r.u32()
	if err != nil {
		return err
	}
	var locals uint64
	for i := uint32(0); i < groups; i++ {
		n, err := r.u32()
		if err != nil {
			return err
		}
		if locals += uint64(n); locals > MaxFunctionLocals {
			return overLimit("declared locals", locals, MaxFunctionLocals, engines)
		}
		if err := r.valType(); err != nil {
			return err
		}
	}
	// width is the most values a branch passes: the function's results
	// (a branch to its outermost label) or a block type's.
	control, edges, width := 0, uint64(0), results
	for r.pos < len(b) {
		start := r.pos
		op, _, _, err := r.instruction()
		if err != nil {
			return fmt.Errorf("at byte %d: %w", start, err)
		}
		weight := 0
		switch op {
		case 0x02, 0x03, 0x04, 0x06, 0x1f:
			weight = 1
			if op == 0x03 {
				weight = LoopWeight
			}
			if w := c.blockWidth(b, start+1); w > width {
				width = w
			}
		case 0x05, 0x07, 0x0d, 0x0e, 0x18, 0x19, 0xd5, 0xd6:
			weight = 1
			if op == 0x0e {
				n, _ := (&reader{b: b, pos: start + 1}).u32()
				if n > MaxBrTableTargets {
					return overLimit(fmt.Sprintf("targets of the br_table at byte %d", start), uint64(n), MaxBrTableTargets, "V8's")
				}
				// wazero compiles a block for each target, so a function's
				// br_tables share the limit.
				if edges += uint64(n); edges > MaxBrTableTargets {
					return overLimit("br_table targets of the function, all its br_tables together", edges, MaxBrTableTargets,
						"V8's for one br_table, gowasm's for a function: wazero compiles a block for each")
				}
			}
		case 0xfc:
			switch sub, _ := (&reader{b: b, pos: start + 1}).u32(); sub {
			case 15:
				c.facts.TableGrow = true
			case 11, 17:
				// memory.fill and table.fill: wazero compiles each into a
				// loop of its own.
				weight = LoopWeight
			}
		}
		if control += weight; control > MaxFunctionControl {
			return overLimit("control instructions (blocks, ifs, branches; a loop counts 4)", uint64(control), MaxFunctionControl,
				"gowasm's: wazero's compile time grows with their square")
		}
	}
	branches := uint64(control) + edges + 1
	if passed := uint64(width) * branches; passed > MaxBranchValues {
		return overLimit(fmt.Sprintf("values passed on branches: %d values x (%d control instructions + %d br_table targets + 1)", width, control, edges),
			passed, MaxBranchValues, "gowasm's: wazero's compile holds each branch's")
	}
	// A block's parameters and results are block parameters in wazero's
	// SSA too, as locals live across merges are.
	vars := locals + uint64(params) + uint64(width)
	if cost := vars * vars * branches; cost > MaxFunctionCost {
		return overLimit(fmt.Sprintf("(%d locals, parameters and block values)^2 x (%d control instructions + %d br_table targets + 1)", vars, control, edges),
			cost, MaxFunctionCost, "gowasm's: wazero's compile time grows with it")
	}
	return nil
}

package engine

import (
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/tetratelabs/wazero/api"
)

// Typed calls in one crossing: gowasm's convention for str, bytes and JSON
// values (python/gowasm/_typed.py) done on the Go side. The caller's bytes
// are copied into memory the guest's allocator gives, the export is called
// with (ptr, len) for each, and a packed (ptr << 32 | len) result is read,
// handed to the caller's sink and freed: one Python -> Go crossing instead
// of one per malloc, write, call, read and free (five times faster:
// RATIONALE.md, "Typed calls").

// Shape of a typed call, as gowasm_call_typed takes it: bits 0-3 count the
// Python-level params (TypedMaxParams at most), then two bits per param
// (TypedInt or TypedMemory), then from bit 20 the result kind.
const (
	TypedInt    = 0 // an int or bool: an i32 or i64 param
	TypedMemory = 1 // str, bytes or JSON: a (ptr, len) pair of i32s

	TypedResultNone   = 0
	TypedResultInt    = 1 // an i32 or i64 result
	TypedResultMemory = 2 // one i64, ptr << 32 | len

	TypedMaxParams = 4
	typedResultBit = 20
)

// TypedArgs are a typed call's values: the memory params' bytes and the
// integer params, each in order.
type TypedArgs struct {
	Mem  [2][]byte
	Ints [2]int64
}

// ScratchMax is the largest argument block a module keeps for typed calls;
// bigger arguments get allocations of their own, freed after the call.
const ScratchMax = 1 << 20

// scratch is a block of guest memory kept for typed calls' arguments (one
// malloc per module, not one per argument per call), per allocator.
type scratch struct {
	malloc    *Func
	ptr, size uint32
}

// typedCall runs one typed call's guest calls, locked (the module's own
// stacks) or nested in a host function (fresh stacks, no lock).
type typedCall struct {
	m      *Module
	nested bool
	inst   api.Module
}

func (c *typedCall) run(f *Func, st []uint64) *errs.Error {
	if c.nested {
		return f.callNested(st)
	}
	if err := f.fn.CallWithStack(c.m.ctx, st); err != nil {
		return c.m.fail(err)
	}
	return nil
}

func (c *typedCall) stack(f *Func) []uint64 {
	if c.nested {
		return make([]uint64, len(f.stack))
	}
	return f.stack
}

// malloc calls the guest's allocator; the caller checks the pointer
// against what it writes there.
func (c *typedCall) malloc(alloc *Func, size uint32) (uint32, *errs.Error) {
	st := c.stack(alloc)
	st[0] = uint64(size)
	if err := c.run(alloc, st); err != nil {
		return 0, err
	}
	return uint32(st[0]), nil
}

func (c *typedCall) free(free *Func, ptr, size uint32) *errs.Error {
	st := c.stack(free)
	st[0] = uint64(ptr)
	if len(free.params) == 2 {
		st[1] = uint64(size)
	}
	return c.run(free, st)
}

// pointerError is the error for a guest pointer outside the guest's memory,
// worded as _typed.py words it.
func (c *typedCall) pointerError(what string, ptr, size uint64) *errs.Error {
	var total uint64
	if mem := c.inst.Memory(); mem != nil {
		total = uint64(mem.Size())
	}
	hint := ""
	if ptr == 0 {
		hint = "; out of memory?"
	}
	return errs.Errorf(errs.ErrGuest, "%s: "+what+", outside its memory (%d bytes)%s", c.m.cfg.Name, ptr, size, total, hint)
}

// checkTyped checks that fn can be called with shape and that malloc
// and free are an allocator of the same module: (size) -> ptr and (ptr) or
// (ptr, len).
func checkTyped(f, malloc, free *Func, shape uint32) *errs.Error {
	n := int(shape & 0xF)
	want := 0
	for i := 0; i < n; i++ {
		if (shape>>(4+2*i))&3 == TypedMemory {
			want += 2
		} else {
			want++
		}
	}
	bad := n > TypedMaxParams || want != len(f.params)
	if !bad {
		j := 0
		for i := 0; i < n; i++ {
			if (shape>>(4+2*i))&3 == TypedMemory {
				bad = bad || f.params[j] != api.ValueTypeI32 || f.params[j+1] != api.ValueTypeI32
				j += 2
			} else {
				bad = bad || (f.params[j] != api.ValueTypeI32 && f.params[j] != api.ValueTypeI64)
				j++
			}
		}
	}
	switch shape >> typedResultBit {
	case TypedResultNone:
		bad = bad || len(f.results) != 0
	case TypedResultInt:
		bad = bad || len(f.results) != 1 || (f.results[0] != api.ValueTypeI32 && f.results[0] != api.ValueTypeI64)
	case TypedResultMemory:
		bad = bad || len(f.results) != 1 || f.results[0] != api.ValueTypeI64
	default:
		bad = true
	}
	if bad {
		return errs.Errorf(errs.ErrUsage, "gowasm: %s cannot be called with typed shape %#x", f.signature(), shape)
	}
	if malloc == nil || free == nil || malloc.m != f.m || free.m != f.m ||
		len(malloc.params) != 1 || len(malloc.results) != 1 || (len(free.params) != 1 && len(free.params) != 2) || len(free.results) != 0 {
		return errs.Errorf(errs.ErrUsage, "gowasm: %s: not an allocator of its module", f.signature())
	}
	return nil
}

// CallTyped runs function h with the typed convention: args' memory values
// are copied into guest memory (allocated by malloc, freed after the call by
// free), the integers range-checked. A memory result's bytes are passed to
// sink (a view of guest memory, valid only during the call) and then freed;
// an int result comes back sign-extended. Calls are serialized with the
// module's other calls, as CallFast's are.
func CallTyped(h, mallocH, freeH uint64, shape uint32, args *TypedArgs, sink func([]byte)) (int64, *errs.Error) {
	f, malloc, free, err := lookupTyped(h, mallocH, freeH, shape)
	if err != nil {
		return 0, err
	}
	// Integers are checked before any guest code runs, so that the caller
	// can retry an argument error on its slow path for its own message.
	if err := checkInts(f, shape, args.Ints); err != nil {
		return 0, err
	}
	c, err := f.m.enterTyped()
	if err != nil {
		return 0, err
	}
	if !c.nested {
		defer c.m.unlock()
		c.m.intr.begin(c.m.intr.timeout)
		defer c.m.intr.end()
	}
	return c.call(f, malloc, free, shape, args, sink)
}

// lookupTyped finds a typed call's functions and checks its shape.
func lookupTyped(h, mallocH, freeH uint64, shape uint32) (f, malloc, free *Func, err *errs.Error) {
	f = Funcs.Get(h)
	if f == nil {
		return nil, nil, nil, errClosedHandle
	}
	malloc, free = Funcs.Get(mallocH), Funcs.Get(freeH)
	if err := checkTyped(f, malloc, free, shape); err != nil {
		return nil, nil, nil, err
	}
	return f, malloc, free, nil
}

// checkInts checks a typed call's integer values against their params.
func checkInts(f *Func, shape uint32, ints [2]int64) *errs.Error {
	n := int(shape & 0xF)
	k := 0
	for i, j := 0, 0; i < n; i++ {
		if (shape>>(4+2*i))&3 == TypedMemory {
			j += 2
			continue
		}
		if v := ints[k]; f.params[j] == api.ValueTypeI32 && (v < math.MinInt32 || v > math.MaxUint32) {
			return f.rangeError(j, v)
		}
		j++
		k++
	}
	return nil
}

// enterTyped starts a typed call (or a batch of them): locked unless nested
// in a host function (the caller unlocks m.mu when c.nested is false and
// the error nil), the instance live and with a memory.
func (m *Module) enterTyped() (typedCall, *errs.Error) {
	c := typedCall{m: m, nested: m.host.reentrant()}
	if !c.nested {
		if err := m.lockCall(); err != nil {
			return c, err
		}
	}
	fail := func(err *errs.Error) (typedCall, *errs.Error) {
		if !c.nested {
			m.unlock()
		}
		return c, err
	}
	if m.dead != nil {
		return fail(m.dead)
	}
	c.inst = m.inst
	if c.inst == nil && c.nested { // a host function called by _initialize
		if starting := m.host.starting.Load(); starting != nil {
			c.inst = *starting
		}
	}
	if c.inst == nil {
		return fail(errs.Errorf(errs.ErrClosed, "gowasm: %s is closed", m.cfg.displayName()))
	}
	if c.inst.Memory() == nil {
		return fail(errNoMemory)
	}
	return c, nil
}

// Span is a memory value of a typed map: a C (ptr, len), as gowasm_span.
type Span struct {
	Ptr unsafe.Pointer
	Len uintptr
}

// TypedColumns are a typed map's values: up to two columns of memory
// values and two of integers (C memory, n elements each, nil when the
// shape has fewer), in the order of the params of each kind.
type TypedColumns struct {
	Mem  [2]*Span
	Ints [2]*int64
}

func (t *TypedColumns) args(i int) TypedArgs {
	var a TypedArgs
	for j, col := range t.Mem {
		if col != nil {
			s := (*Span)(unsafe.Add(unsafe.Pointer(col), uintptr(i)*unsafe.Sizeof(Span{})))
			if s.Len > 0 {
				a.Mem[j] = unsafe.Slice((*byte)(s.Ptr), s.Len)
			}
		}
	}
	a.Ints = t.ints(i)
	return a
}

// checkSizes refuses element i's memory values that cannot fit in 32-bit
// wasm memory.
func (t *TypedColumns) checkSizes(i int) *errs.Error {
	for _, col := range t.Mem {
		if col != nil {
			if s := (*Span)(unsafe.Add(unsafe.Pointer(col), uintptr(i)*unsafe.Sizeof(Span{}))); uint64(s.Len) > math.MaxUint32 {
				return errTooLong(uint64(s.Len))
			}
		}
	}
	return nil
}

func errTooLong(n uint64) *errs.Error {
	return errs.Errorf(errs.ErrArgument, "gowasm: %d bytes do not fit in 32-bit wasm memory", n)
}

func (t *TypedColumns) ints(i int) (v [2]int64) {
	for j, col := range t.Ints {
		if col != nil {
			v[j] = *(*int64)(unsafe.Add(unsafe.Pointer(col), uintptr(i)*8))
		}
	}
	return v
}

// ErrNotUTF8 stops a typed map whose memory results must be UTF-8 at the
// first that is not (CallTypedMap's utf8): the caller words the error.
var ErrNotUTF8 = &errs.Error{Code: errs.ErrGuest, Msg: "gowasm: a str result is not UTF-8"}

// CallTypedMap is CallTyped for element i of cols, for i in 0..n-1, in one
// batch: the module's lock is held throughout; without a timeout the
// interrupt machinery is entered once (each element gets the timeout when
// there is one), as CallMap does. Each result goes to results[i] (an
// integer, or a memory result's length) and a memory result's bytes to
// sink(i, bytes), in order. With utf8, a memory result that is not UTF-8
// stops the batch with ErrNotUTF8 (after its sink). *done is how many
// elements completed: on an error, the failing element's index. It is kept
// current, so that it names the element a panic stopped the batch at too.
func CallTypedMap(h, mallocH, freeH uint64, shape uint32, n int, cols *TypedColumns, utf8ok bool,
	results []int64, sink func(int, []byte), done *int) *errs.Error {
	*done = 0
	f, malloc, free, err := lookupTyped(h, mallocH, freeH, shape)
	if err != nil {
		return err
	}
	want := [2]int{}
	for i := 0; i < int(shape&0xF); i++ {
		want[(shape>>(4+2*i))&1]++
	}
	for j := range 2 {
		if n > 0 && ((cols.Ints[j] != nil) != (j < want[TypedInt]) || (cols.Mem[j] != nil) != (j < want[TypedMemory])) {
			return errs.Errorf(errs.ErrUsage, "gowasm: %s: typed map columns do not match shape %#x", f.signature(), shape)
		}
	}
	if len(results) < n {
		return errs.Errorf(errs.ErrUsage, "gowasm: typed map: results too short")
	}
	// Every value is checked before any guest code runs, as for one call:
	// the caller words an ErrArgument by calling the elements one by one,
	// which must not run again those that ran here.
	for i := 0; i < n && want[TypedInt]+want[TypedMemory] > 0; i++ {
		var err *errs.Error
		if want[TypedInt] > 0 {
			err = checkInts(f, shape, cols.ints(i))
		}
		if err == nil && want[TypedMemory] > 0 {
			err = cols.checkSizes(i)
		}
		if err != nil {
			*done = i
			return err
		}
	}
	c, err := f.m.enterTyped()
	if err != nil {
		return err
	}
	m := c.m
	perCall := m.intr.timeout > 0
	if !c.nested {
		defer m.unlock()
		if !perCall {
			m.intr.begin(0)
			defer m.intr.end()
		}
	}
	cur, bad := 0, false
	each := func(data []byte) {
		if utf8ok && !utf8.Valid(data) {
			bad = true
		}
		sink(cur, data)
	}
	for i := 0; i < n; i++ {
		*done = i
		// A nested call (a host function's) that trapped kills the instance
		// while the outer element's call goes on: no later element starts a
		// call on it, as no later single call does.
		if m.dead != nil {
			return m.dead
		}
		cur = i
		args := cols.args(i)
		if perCall && !c.nested {
			m.intr.begin(m.intr.timeout)
		}
		v, err := c.call(f, malloc, free, shape, &args, each)
		if perCall && !c.nested {
			m.intr.end()
		}
		if err != nil {
			return err
		}
		results[i] = v
		if bad {
			return ErrNotUTF8
		}
	}
	*done = n
	return nil
}

func (c *typedCall) call(f, malloc, free *Func, shape uint32, args *TypedArgs, sink func([]byte)) (int64, *errs.Error) {
	m := c.m
	n := int(shape & 0xF)
	// Where the memory values go: the module's scratch block if they fit
	// (not when nested: the outer call's arguments are in it), else an
	// allocation each, freed after the call.
	var ptrs [2]uint32
	var owned [2]bool
	total := uint64(0) // (two values near 4 GiB would wrap a uint32)
	for _, b := range args.Mem {
		total += uint64(len(b)+7) &^ 7
	}
	var block *scratch
	if !c.nested && total > 0 && total <= ScratchMax {
		block = m.scratchFor(malloc)
		if block.size < uint32(total) {
			if block.ptr != 0 {
				p, size := block.ptr, block.size
				block.ptr, block.size = 0, 0
				if err := c.free(free, p, size); err != nil {
					return 0, err
				}
			}
			size := max(uint32(4096), uint32(1)<<bitLen(uint32(total)-1))
			p, err := c.malloc(malloc, size)
			if err != nil {
				return 0, err
			}
			if mem := c.inst.Memory(); p != 0 && uint64(p)+uint64(size) <= uint64(mem.Size()) {
				block.ptr, block.size = p, size
			}
		}
		if block.ptr == 0 {
			block = nil // allocate each value: the errors name its size
		}
	}
	release := func() *errs.Error {
		if m.dead != nil {
			return nil
		}
		for i, o := range owned {
			if o {
				owned[i] = false
				if err := c.free(free, ptrs[i], uint32(len(args.Mem[i]))); err != nil {
					return err
				}
			}
		}
		return nil
	}
	off := uint32(0)
	for i, b := range args.Mem {
		if len(b) == 0 {
			continue
		}
		if uint64(len(b)) > math.MaxUint32 {
			release()
			return 0, errTooLong(uint64(len(b)))
		}
		if block != nil {
			ptrs[i] = block.ptr + off
			off += uint32(len(b)+7) &^ 7
		} else {
			p, err := c.malloc(malloc, uint32(len(b)))
			if err != nil {
				release()
				return 0, err
			}
			ptrs[i], owned[i] = p, true
		}
		if ptrs[i] == 0 || !c.inst.Memory().Write(ptrs[i], b) {
			release()
			return 0, c.pointerError("the guest's allocator returned %d for %d bytes", uint64(ptrs[i]), uint64(len(b)))
		}
	}
	st := c.stack(f)
	j, k, mi := 0, 0, 0
	for i := 0; i < n; i++ {
		if (shape>>(4+2*i))&3 == TypedMemory {
			st[j], st[j+1] = uint64(ptrs[mi]), uint64(len(args.Mem[mi]))
			j += 2
			mi++
		} else {
			v := uint64(args.Ints[k])
			if f.params[j] == api.ValueTypeI32 {
				v = uint64(uint32(v))
			}
			st[j] = v
			j++
			k++
		}
	}
	if err := c.run(f, st); err != nil {
		return 0, err // the guest is dead: nothing to free
	}
	raw := st[0]
	if err := release(); err != nil {
		return 0, err
	}
	switch shape >> typedResultBit {
	case TypedResultNone:
		return 0, nil
	case TypedResultInt:
		return DecodeInt(raw, f.results[0]), nil
	}
	ptr, size := uint32(raw>>32), uint32(raw)
	if ptr == 0 && size == 0 {
		sink(nil)
		return 0, nil
	}
	mem := c.inst.Memory()
	if ptr == 0 || mem == nil || uint64(ptr)+uint64(size) > uint64(mem.Size()) {
		return 0, c.pointerError("the guest returned (ptr %d, len %d)", uint64(ptr), uint64(size))
	}
	data, _ := mem.Read(ptr, size)
	sink(data)
	if m.dead != nil { // as release: no guest code runs on a dead instance
		return int64(size), nil
	}
	if err := c.free(free, ptr, size); err != nil {
		return 0, err
	}
	return int64(size), nil
}

func bitLen(x uint32) uint {
	n := uint(0)
	for x != 0 {
		x >>= 1
		n++
	}
	return n
}

// scratchFor is the module's scratch block for allocator malloc (m.mu held).
func (m *Module) scratchFor(malloc *Func) *scratch {
	for _, s := range m.scratch {
		if s.malloc == malloc {
			return s
		}
	}
	s := &scratch{malloc: malloc}
	m.scratch = append(m.scratch, s)
	return s
}

package engine

import (
	"fmt"
	"math"
	"strings"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/tetratelabs/wazero/api"
)

// Func is an exported function, looked up once at load so that a call costs
// one handle lookup, one lock and one wazero CallWithStack on a preallocated
// stack: no allocation and no name lookup per call (RATIONALE.md, "The
// call path").
type Func struct {
	m       *Module
	name    string
	handle  uint64
	fn      api.Function
	params  []api.ValueType
	results []api.ValueType
	stack   []uint64 // guarded by m.mu
	// floatMask has bit i set when param i is f32/f64: the fast ABI passes
	// those as C doubles and integers as int64_t, and the mask lets a call
	// check that the caller picked the entry point matching the signature.
	floatMask uint32
	// i32Mask and f32Mask mark the params the fast ABI passes wider than
	// wasm holds them: i32 needs a range check, f32 a conversion.
	i32Mask, f32Mask uint32
}

func newFunc(m *Module, name string, def api.FunctionDefinition, fn api.Function) *Func {
	f := &Func{m: m, name: name, fn: fn, params: def.ParamTypes(), results: def.ResultTypes()}
	f.stack = make([]uint64, max(len(f.params), len(f.results), 1))
	for i, t := range f.params {
		switch t {
		case api.ValueTypeI32:
			f.i32Mask |= 1 << i
		case api.ValueTypeF32:
			f.f32Mask |= 1 << i
			f.floatMask |= 1 << i
		case api.ValueTypeF64:
			f.floatMask |= 1 << i
		}
	}
	return f
}

// Result types of the fast ABI entry points.
const (
	ResultVoid  = 'v'
	ResultInt   = 'i'
	ResultFloat = 'f'
)

var errClosedHandle = errs.Errorf(errs.ErrClosed, "gowasm: this function's module is closed")

// CallFast runs the function of handle h with n scalar arguments passed the
// fast ABI's way: integers as int64 bits, floats as float64 bits, floatMask
// telling which is which. It returns the first result's raw wasm bits.
func CallFast(h uint64, args *[4]uint64, n int, floatMask uint32, result byte) (uint64, api.ValueType, *errs.Error) {
	f := Funcs.Get(h)
	if f == nil {
		return 0, 0, errClosedHandle
	}
	if n != len(f.params) || floatMask != f.floatMask || result != f.resultKind() {
		return 0, 0, f.arityError(n)
	}
	m := f.m
	if m.host.reentrant() {
		return f.callReentrant(args, n)
	}
	st := f.stack
	if m.closing() { // not waiting for a call that may never return
		return 0, 0, m.closedError()
	}
	if !m.mu.TryLock() { // unlocked by hand, not deferred: this is the hot path
		if err := m.waitLock(); err != nil {
			return 0, 0, err
		}
	}
	if m.dead != nil || m.closing() {
		err := m.deadLocked()
		m.unlock()
		return 0, 0, err
	}
	if err := f.encodeArgs(st, args, n); err != nil {
		m.unlock()
		return 0, 0, err
	}
	// wazero recovers guest traps and host panics into err, so nothing
	// between Lock and Unlock can panic and leave the module locked.
	m.intr.begin(m.intr.timeout)
	err := f.fn.CallWithStack(m.ctx, st)
	m.intr.end()
	if err != nil {
		e := m.fail(err)
		m.unlock()
		return 0, 0, e
	}
	var raw uint64
	if len(f.results) > 0 {
		raw = st[0]
	}
	m.unlock()
	return raw, f.resultType(), nil
}

// callReentrant runs a call that a host function makes into its own module
// while the guest call that invoked it holds the module's lock. It takes no
// lock (that thread owns the module) and uses a fresh wazero function and
// stack: the outer call's are in use.
func (f *Func) callReentrant(args *[4]uint64, n int) (uint64, api.ValueType, *errs.Error) {
	st := make([]uint64, len(f.stack))
	if err := f.encodeArgs(st, args, n); err != nil {
		return 0, 0, err
	}
	if err := f.callNested(st); err != nil {
		return 0, 0, err
	}
	var raw uint64
	if len(f.results) > 0 {
		raw = st[0]
	}
	return raw, f.resultType(), nil
}

// callNested calls on a fresh wazero function, without the module lock,
// with the deadline of the thread's own timeout if it gave one
// (PushTimeout), else the outer call's.
func (f *Func) callNested(st []uint64) *errs.Error {
	if in := &f.m.intr; in.owned.Load() != 0 {
		if own, ok := in.ownDeadline(); ok {
			return f.callNestedUntil(st, own)
		}
	}
	return f.callNestedUntil(st, 0)
}

// callNestedUntil is callNested with a deadline of its own (monotonic ns;
// 0: none), which can only shorten the outer call's (narrow).
func (f *Func) callNestedUntil(st []uint64, own int64) *errs.Error {
	m := f.m
	if m.closing() { // the outer call holds the lock: it releases the module
		return m.closedError()
	}
	if m.dead != nil {
		return m.dead
	}
	inst := m.inst
	if inst == nil {
		if starting := m.host.starting.Load(); starting != nil {
			inst = *starting
		}
	}
	if inst == nil {
		return errs.Errorf(errs.ErrClosed, "gowasm: %s is closed", m.cfg.displayName())
	}
	outer := m.intr.narrow(own)
	err := inst.ExportedFunction(f.name).CallWithStack(m.ctx, st)
	m.intr.deadline = outer
	if err != nil {
		return m.fail(err)
	}
	return nil
}

func (f *Func) resultType() api.ValueType {
	if len(f.results) == 0 {
		return 0
	}
	return f.results[0]
}

// Call runs the function of handle h on stack, which holds the arguments
// encoded as wasm raw values and receives the results (the general path:
// any arity, several results), with the module's timeout.
func Call(h uint64, stack []uint64) *errs.Error { return CallTimeout(h, stack, -1) }

// CallTimeout is Call with a timeout of its own: seconds, 0 for none, or
// negative for the module's.
func CallTimeout(h uint64, stack []uint64, timeout float64) *errs.Error {
	f := Funcs.Get(h)
	if f == nil {
		return errClosedHandle
	}
	if len(stack) < max(len(f.params), len(f.results)) {
		return errs.Errorf(errs.ErrUsage, "gowasm: %s needs a stack of %d values, got %d", f.signature(), max(len(f.params), len(f.results)), len(stack))
	}
	m := f.m
	d := m.intr.timeout
	if timeout >= 0 {
		d = seconds(timeout)
	}
	if d > 0 && !m.intr.instrumented {
		return m.errNotStoppable()
	}
	if m.host.reentrant() {
		// Nested in a host function: a timeout of its own (not the
		// module's, which the outer call's deadline already covers).
		if timeout >= 0 {
			return f.callNestedUntil(stack, deadlineIn(d))
		}
		return f.callNested(stack)
	}
	if err := m.lockCall(); err != nil {
		return err
	}
	defer m.unlock()
	if m.dead != nil {
		return m.dead
	}
	if timeout >= 0 {
		m.intr.beginUntil(deadlineIn(d))
	} else {
		m.intr.begin(d)
	}
	err := f.fn.CallWithStack(m.ctx, stack)
	m.intr.end()
	if err != nil {
		return m.fail(err)
	}
	return nil
}

// resultKind names the fast entry point's result type for this function,
// or 0 when it has several results and must use Call.
func (f *Func) resultKind() byte {
	switch {
	case len(f.results) == 0:
		return ResultVoid
	case len(f.results) > 1:
		return 0
	case f.results[0] == api.ValueTypeI32 || f.results[0] == api.ValueTypeI64:
		return ResultInt
	case f.results[0] == api.ValueTypeF32 || f.results[0] == api.ValueTypeF64:
		return ResultFloat
	}
	return 0
}

// encodeArgs writes the fast ABI's arguments onto st as wasm raw values.
func (f *Func) encodeArgs(st []uint64, args *[4]uint64, n int) *errs.Error {
	for i := 0; i < n; i++ {
		v := args[i]
		if f.i32Mask&(1<<i) != 0 {
			// Accept the signed and the unsigned range, as i32 means either.
			if int64(v) < math.MinInt32 || int64(v) > math.MaxUint32 {
				return f.rangeError(i, int64(v))
			}
			v = uint64(uint32(v))
		} else if f.f32Mask&(1<<i) != 0 {
			v = api.EncodeF32(float32(math.Float64frombits(v)))
		} // i64 and f64 arrive as their bits
		st[i] = v
	}
	return nil
}

func (f *Func) rangeError(i int, v int64) *errs.Error {
	return errs.Errorf(errs.ErrArgument, "%s: argument %d is out of range for i32: %d (accepted: -2147483648..4294967295, signed or unsigned)", f.signature(), i+1, v)
}

// DecodeInt returns an i32 or i64 result as a signed integer.
func DecodeInt(raw uint64, t api.ValueType) int64 {
	if t == api.ValueTypeI32 {
		return int64(int32(uint32(raw)))
	}
	return int64(raw)
}

// DecodeFloat returns an f32 or f64 result as a float64.
func DecodeFloat(raw uint64, t api.ValueType) float64 {
	if t == api.ValueTypeF32 {
		return float64(math.Float32frombits(uint32(raw)))
	}
	return math.Float64frombits(raw)
}

func (f *Func) arityError(n int) *errs.Error {
	return errs.Errorf(errs.ErrArgument, "%s takes %d argument(s), got %d (or the wrong entry point was used for its types)", f.signature(), len(f.params), n)
}

func (f *Func) signature() string {
	return formatSignature(f.name, typeNames(f.params), typeNames(f.results))
}

// formatSignature writes sum(i32, i32) -> i32, as the Python side does.
func formatSignature(name string, params, results []string) string {
	ret := "None"
	switch len(results) {
	case 0:
	case 1:
		ret = results[0]
	default:
		ret = "(" + strings.Join(results, ", ") + ")"
	}
	return fmt.Sprintf("%s(%s) -> %s", name, strings.Join(params, ", "), ret)
}

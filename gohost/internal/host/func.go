package host

import (
	"fmt"
	"math"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// Func is an exported function, looked up once at load so that a call costs
// one handle lookup, one lock and one wazero CallWithStack on a preallocated
// stack: no allocation and no name lookup (~1.7 us) per call.
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
}

func newFunc(m *Module, name string, def api.FunctionDefinition, fn api.Function) *Func {
	f := &Func{m: m, name: name, fn: fn, params: def.ParamTypes(), results: def.ResultTypes()}
	f.stack = make([]uint64, max(len(f.params), len(f.results), 1))
	for i, t := range f.params {
		if t == api.ValueTypeF32 || t == api.ValueTypeF64 {
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

var errClosedHandle = errorf(ErrClosed, "gowasm: this function's module is closed")

// CallFast runs the function of handle h with n scalar arguments passed the
// fast ABI's way: integers as int64 bits, floats as float64 bits, floatMask
// telling which is which. It returns the first result's raw wasm bits.
func CallFast(h uint64, args *[4]uint64, n int, floatMask uint32, result byte) (uint64, api.ValueType, *Error) {
	f := Funcs.Get(h)
	if f == nil {
		return 0, 0, errClosedHandle
	}
	if n != len(f.params) || floatMask != f.floatMask || result != f.resultKind() {
		return 0, 0, f.arityError(n)
	}
	m := f.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dead != nil {
		return 0, 0, m.dead
	}
	st := f.stack
	for i := 0; i < n; i++ {
		v, err := f.encodeFast(i, args[i])
		if err != nil {
			return 0, 0, err
		}
		st[i] = v
	}
	if err := f.fn.CallWithStack(m.ctx, st); err != nil {
		return 0, 0, m.fail(err)
	}
	if len(f.results) == 0 {
		return 0, 0, nil
	}
	return st[0], f.results[0], nil
}

// Call runs the function of handle h on stack, which holds the arguments
// encoded as wasm raw values and receives the results (the general path:
// any arity, several results).
func Call(h uint64, stack []uint64) *Error {
	f := Funcs.Get(h)
	if f == nil {
		return errClosedHandle
	}
	if len(stack) < max(len(f.params), len(f.results)) {
		return errorf(ErrUsage, "gowasm: %s needs a stack of %d values, got %d", f.signature(), max(len(f.params), len(f.results)), len(stack))
	}
	m := f.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dead != nil {
		return m.dead
	}
	if err := f.fn.CallWithStack(m.ctx, stack); err != nil {
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

func (f *Func) encodeFast(i int, raw uint64) (uint64, *Error) {
	switch f.params[i] {
	case api.ValueTypeI32:
		// Accept the signed and the unsigned range, as i32 means either.
		if v := int64(raw); v < math.MinInt32 || v > math.MaxUint32 {
			return 0, errorf(ErrArgument, "%s: argument %d is out of range for i32: %d (accepted: -2147483648..4294967295, signed or unsigned)", f.signature(), i+1, v)
		}
		return uint64(uint32(raw)), nil
	case api.ValueTypeF32:
		return api.EncodeF32(float32(math.Float64frombits(raw))), nil
	}
	return raw, nil // i64 and f64 are passed as their bits
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

func (f *Func) arityError(n int) *Error {
	return errorf(ErrArgument, "%s takes %d argument(s), got %d (or the wrong entry point was used for its types)", f.signature(), len(f.params), n)
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

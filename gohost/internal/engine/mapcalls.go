package engine

import (
	"math"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/tetratelabs/wazero/api"
)

// Vectorised calls: CallMap calls a function once per element of its
// argument columns inside one crossing from the caller: what an element
// costs is then wazero's call alone, a tenth of a call from Python
// (RATIONALE.md, "Vectorised calls").

// Element kinds of a column (gowasm.h, GOWASM_ELEM_*): the size in bytes,
// ORed with ElemSigned or ElemFloat.
const (
	ElemSigned = 16
	ElemFloat  = 32
	// ElemRange: the column is an arithmetic sequence, two int64s at Ptr
	// (start, step): element i is start + i*step.
	ElemRange = 64
)

// Column is one parameter's values: n elements of kind at Ptr (C memory).
type Column struct {
	Ptr  unsafe.Pointer
	Kind uint32
}

func validElem(kind uint32) bool {
	switch kind {
	case ElemRange, 1, 2, 4, 8, 1 | ElemSigned, 2 | ElemSigned, 4 | ElemSigned, 8 | ElemSigned, 4 | ElemFloat, 8 | ElemFloat:
		return true
	}
	return false
}

// load reads element i of c as a wasm raw value for a param of type t;
// ok is false when an integer is out of t's range or a float given for an
// integer param.
func (c Column) load(i int, t api.ValueType) (v uint64, ok bool) {
	if c.Kind == 8|ElemSigned && t == api.ValueTypeI32 { // the common case: a list of ints
		s := *(*int64)(unsafe.Add(c.Ptr, uintptr(i)*8))
		return uint64(uint32(s)), s >= math.MinInt32 && s <= math.MaxUint32
	}
	p := unsafe.Add(c.Ptr, uintptr(i)*uintptr(c.Kind&15))
	if c.Kind == ElemRange {
		r := (*[2]int64)(c.Ptr)
		return intValue(r[0]+int64(i)*r[1], t)
	}
	if c.Kind&ElemFloat != 0 {
		var f float64
		if c.Kind&15 == 4 {
			f = float64(*(*float32)(p))
		} else {
			f = *(*float64)(p)
		}
		switch t {
		case api.ValueTypeF32:
			return api.EncodeF32(float32(f)), true
		case api.ValueTypeF64:
			return math.Float64bits(f), true
		}
		return 0, false
	}
	var s int64
	var u uint64
	signed := c.Kind&ElemSigned != 0
	switch c.Kind &^ ElemSigned {
	case 1:
		if signed {
			s = int64(*(*int8)(p))
		} else {
			u = uint64(*(*uint8)(p))
		}
	case 2:
		if signed {
			s = int64(*(*int16)(p))
		} else {
			u = uint64(*(*uint16)(p))
		}
	case 4:
		if signed {
			s = int64(*(*int32)(p))
		} else {
			u = uint64(*(*uint32)(p))
		}
	default:
		if signed {
			s = *(*int64)(p)
		} else {
			u = *(*uint64)(p)
		}
	}
	if !signed {
		if u > math.MaxInt64 {
			switch t {
			case api.ValueTypeI64:
				return u, true // i64 accepts the unsigned range
			case api.ValueTypeF32:
				return api.EncodeF32(float32(u)), true // as a call converts 2**64-1: rounded
			case api.ValueTypeF64:
				return math.Float64bits(float64(u)), true
			}
			return u, false
		}
		s = int64(u)
	}
	return intValue(s, t)
}

// intValue is s as a raw value for a param of type t.
func intValue(s int64, t api.ValueType) (uint64, bool) {
	switch t {
	case api.ValueTypeI32:
		if s < math.MinInt32 || s > math.MaxUint32 {
			return uint64(s), false
		}
		return uint64(uint32(s)), true
	case api.ValueTypeI64:
		return uint64(s), true
	case api.ValueTypeF32:
		return api.EncodeF32(float32(s)), true
	case api.ValueTypeF64:
		return math.Float64bits(float64(s)), true
	}
	return 0, false
}

// store writes a result of type t at element i of out, as int32, int64,
// float32 or float64 (the result's own width).
func store(out unsafe.Pointer, i int, t api.ValueType, v uint64) {
	switch t {
	case api.ValueTypeI32, api.ValueTypeF32:
		*(*uint32)(unsafe.Add(out, uintptr(i)*4)) = uint32(v)
	default:
		*(*uint64)(unsafe.Add(out, uintptr(i)*8)) = v
	}
}

// CallMap calls function h n times, with element i of each column as its
// arguments, writing each result (if it has one) at element i of out.
// *done is how many calls completed: on an error, the failing element's
// index. It is kept current, so that it names the element a panic stopped
// the batch at too.
func CallMap(h uint64, cols []Column, n int, out unsafe.Pointer, done *int) *errs.Error {
	*done = 0
	f := Funcs.Get(h)
	if f == nil {
		return errClosedHandle
	}
	if len(cols) != len(f.params) || len(f.results) > 1 || (len(f.results) == 1 && out == nil && n > 0) {
		return errs.Errorf(errs.ErrUsage, "gowasm: %s cannot be mapped over %d columns", f.signature(), len(cols))
	}
	for _, c := range cols {
		if !validElem(c.Kind) || (c.Ptr == nil && n > 0) {
			return errs.Errorf(errs.ErrUsage, "gowasm: a column of kind %d", c.Kind)
		}
	}
	m := f.m
	nested := m.host.reentrant()
	st := f.stack
	if nested {
		st = make([]uint64, len(f.stack))
	} else {
		if err := m.lockCall(); err != nil {
			return err
		}
		defer m.unlock()
	}
	if m.dead != nil {
		return m.dead
	}
	// Without a timeout the batch is one call to the interrupt machinery
	// (Ctrl-C and close() stop it as a whole); with one, each element gets it.
	perCall := m.intr.timeout > 0
	if !nested && !perCall {
		m.intr.begin(0)
		defer m.intr.end()
	}
	fn, ctx := f.fn, m.ctx
	for i := 0; i < n; i++ {
		*done = i
		if m.dead != nil { // a nested call killed the instance during an earlier element
			return m.dead
		}
		for j, c := range cols {
			v, ok := c.load(i, f.params[j])
			if !ok {
				return f.elemError(j, c, i)
			}
			st[j] = v
		}
		var err *errs.Error
		if nested {
			err = f.callNested(st)
		} else {
			if perCall {
				m.intr.begin(m.intr.timeout)
			}
			e := fn.CallWithStack(ctx, st)
			if perCall {
				m.intr.end()
			}
			if e != nil {
				err = m.fail(e)
			}
		}
		if err != nil {
			return err
		}
		if len(f.results) == 1 {
			store(out, i, f.results[0], st[0])
		}
	}
	*done = n
	return nil
}

func (f *Func) elemError(j int, c Column, i int) *errs.Error {
	if c.Kind&ElemFloat != 0 {
		return errs.Errorf(errs.ErrArgument, "%s: argument %d must be an integer (wasm %s), not a float", f.signature(), j+1, typeNames(f.params[j : j+1])[0])
	}
	v, _ := c.load(i, api.ValueTypeI64)
	if c.Kind&(ElemSigned|ElemRange) == 0 {
		return errs.Errorf(errs.ErrArgument, "%s: argument %d is out of range for i32: %d (accepted: -2147483648..4294967295, signed or unsigned)", f.signature(), j+1, v)
	}
	return f.rangeError(j, int64(v))
}

package gowasm

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
)

// A frame is the result of a function that needs more than one wasm number
// can say: several results, an error, or JSON that may fail to encode.
// gowasm's bindings for ordinary Go code (Python's Module.from_go) return
// one from every such function; hand-written guests may too, with Framed in
// their Export. The function's wasm result is Pack(ptr, len) of these bytes:
//
//	status byte: FrameOK, FrameError or FrameArgError
//	FrameOK:       the results in order, each a tag byte and its payload:
//	                 TagInt   'i' int64, 8 bytes little-endian
//	                 TagUint  'u' uint64, 8 bytes little-endian
//	                 TagFloat 'f' float64 bits, 8 bytes little-endian
//	                 TagBool  'b' one byte, 0 or 1
//	                 TagStr   's', TagBytes 'y', TagJSON 'j': a uint32
//	                 length, little-endian, then that many bytes
//	FrameError:    a uint32 length and the error's Go type ("*errors.errorString"),
//	               then the rest: err.Error()
//	FrameArgError: the rest says which argument could not be decoded and why
//
// The tags make a frame readable without the function's description, so a
// host can check what it got rather than trust it.
type Frame struct {
	b []byte
}

// The frame's status byte and value tags. Python's gowasm._frames has the
// same numbers; a test compares the two.
const (
	FrameOK       byte = 0
	FrameError    byte = 1
	FrameArgError byte = 2

	TagInt   byte = 'i'
	TagUint  byte = 'u'
	TagFloat byte = 'f'
	TagBool  byte = 'b'
	TagStr   byte = 's'
	TagBytes byte = 'y'
	TagJSON  byte = 'j'
)

// Int appends a signed integer result.
func (f *Frame) Int(v int64) { f.fixed(TagInt, uint64(v)) }

// Uint appends an unsigned integer result.
func (f *Frame) Uint(v uint64) { f.fixed(TagUint, v) }

// Float appends a float result (a float32 widens exactly).
func (f *Frame) Float(v float64) { f.fixed(TagFloat, math.Float64bits(v)) }

// Bool appends a bool result.
func (f *Frame) Bool(v bool) {
	f.start()
	if v {
		f.b = append(f.b, TagBool, 1)
	} else {
		f.b = append(f.b, TagBool, 0)
	}
}

// String appends a str result.
func (f *Frame) String(s string) { f.sized(TagStr, len(s)); f.b = append(f.b, s...) }

// Bytes appends a bytes result.
func (f *Frame) Bytes(b []byte) { f.sized(TagBytes, len(b)); f.b = append(f.b, b...) }

// JSON appends v encoded as json.Marshal does. A value it cannot encode (a
// channel, a NaN, a cycle) is an error, which the caller should return with
// ReturnError: the host then raises it, naming the function.
func (f *Frame) JSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f.sized(TagJSON, len(b))
	f.b = append(f.b, b...)
	return nil
}

// Return copies the frame to memory from malloc and returns it packed: the
// i64 result of a framed function.
func (f *Frame) Return() uint64 {
	f.start()
	return ReturnBytes(f.b)
}

// ReturnError returns err as a FrameError frame: Python raises
// gowasm.GoError with err.Error() as its message.
func ReturnError(err error) uint64 {
	typ := reflect.TypeOf(err).String()
	b := make([]byte, 0, 5+len(typ)+32)
	b = append(b, FrameError)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(typ)))
	b = append(b, typ...)
	b = append(b, errorText(err)...)
	return ReturnBytes(b)
}

// errorText is err.Error(), or what fmt prints when Error panics: "<nil>"
// for a nil pointer (a typed nil in a non-nil error, which err != nil lets
// through), "%!v(PANIC=Error method: ...)" otherwise. Go code prints such an
// error without harm; here the panic would trap and end the module.
func errorText(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
				s = "<nil>"
				return
			}
			s = "%!v(PANIC=Error method: " + panicText(r) + ")"
		}
	}()
	return err.Error()
}

func panicText(r any) string {
	switch r := r.(type) {
	case error:
		return r.Error()
	case string:
		return r
	}
	return reflect.TypeOf(r).String()
}

// ReturnArgError returns a FrameArgError frame: argument name could not be
// decoded (JSON of the wrong shape, say). Python raises TypeError.
func ReturnArgError(name string, err error) uint64 {
	msg := "argument " + name + ": " + err.Error()
	return ReturnBytes(append([]byte{FrameArgError}, msg...))
}

func (f *Frame) start() {
	if len(f.b) == 0 {
		f.b = append(f.b, FrameOK)
	}
}

func (f *Frame) fixed(tag byte, v uint64) {
	f.start()
	f.b = append(f.b, tag)
	f.b = binary.LittleEndian.AppendUint64(f.b, v)
}

func (f *Frame) sized(tag byte, n int) {
	f.start()
	f.b = append(f.b, tag)
	f.b = binary.LittleEndian.AppendUint32(f.b, length(n))
}

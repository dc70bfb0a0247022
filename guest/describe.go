package gowasm

import (
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"
)

// DescriptionVersion is the "version" field of the JSON that gowasm_describe
// returns. It changes only if an existing field changes meaning; new fields
// may be added without changing it, and hosts ignore fields they don't know.
const DescriptionVersion = 1

// Type is the Python-level type of a parameter or result, as it appears in
// the description. Its value is the name the host understands.
type Type string

// The types a description can use.
const (
	// Int is a Python int: one wasm i32 or i64 parameter or result, so an
	// int32, uint32, int64 or uint64 in Go (never int, which
	// //go:wasmexport rejects).
	Int Type = "int"
	// Float is a Python float: one f32 or f64 (float32 or float64 in Go).
	Float Type = "float"
	// Bool is a Python bool: one i32, 0 or 1 (bool in Go).
	Bool Type = "bool"
	// String is a Python str, UTF-8 encoded: (ptr, len uint32) as a
	// parameter, Pack(ptr, len) as a result. Read it with ReadString,
	// return it with ReturnString.
	String Type = "str"
	// Bytes is a Python bytes: passed like String. Read it with ReadBytes,
	// return it with ReturnBytes.
	Bytes Type = "bytes"
	// JSON is any JSON value: passed like String, as UTF-8 JSON text that
	// the host makes with json.dumps and reads with json.loads. Read it with
	// ReadJSON, return it with ReturnJSON.
	JSON Type = "json"
)

func (t Type) valid() bool {
	switch t {
	case Int, Float, Bool, String, Bytes, JSON:
		return true
	}
	return false
}

// Params lists a function's parameter types for Export. It only makes the
// call read well: Params(a, b) is []Type{a, b}.
func Params(types ...Type) []Type { return types }

// Results lists a function's result types for Export: none or one, as a Go
// wasm export has at most one result.
func Results(types ...Type) []Type { return types }

// Export records how the host should call the wasm export called name, for
// gowasm_describe. It does not export anything: the //go:wasmexport (or
// TinyGo //export) directive on the function does that, and name must be the
// name given there. Call it from init, so the description is complete before
// the host can ask for it:
//
//	func init() {
//		gowasm.Export("add", gowasm.Params(gowasm.Int, gowasm.Int), gowasm.Results(gowasm.Int))
//	}
//
// Export panics if name is empty, not UTF-8 or already described, if a type
// is not one of this package's, or if there is more than one result: those
// are mistakes in the guest, best found when it loads (a panic in init fails
// _initialize) rather than as a wrong call later.
func Export(name string, params, results []Type, options ...Option) {
	exports.add(name, params, results, options...)
}

// Option adds to a function's description.
type Option func(*signature)

// Names gives the parameters names, which the host shows (Python's help()
// prints greet(name: str) -> str). There must be one per parameter.
func Names(names ...string) Option {
	return func(s *signature) { s.names = append([]string(nil), names...) }
}

// Framed says the function returns a Frame (packed, like a str result)
// holding its results, which may then be several, or an error: the host
// raises gowasm.GoError for ReturnError and gives back a tuple for several
// results.
func Framed() Option {
	return func(s *signature) { s.framed = true }
}

// Variadic says the last parameter, a json or bytes list, holds the
// arguments of a Go ...T parameter: the host takes them as separate
// arguments (Python's *args) and sends them as one list.
func Variadic() Option {
	return func(s *signature) { s.variadic = true }
}

// Annotations gives the Python annotations the host shows for the
// parameters and results (help(), gowasm stubs), where the Type alone says
// less: a JSON value that is always a string ("str": a type encoding/json
// writes as text, such as *regexp.Regexp), one that may be null
// ("Optional[int]"), the element of a Variadic parameter ("str" for
// ...string). Each is "int", "float", "bool", "str", "bytes" or "Any",
// alone or as Optional[...]; one per parameter and one per result.
func Annotations(params, results []string) Option {
	return func(s *signature) {
		s.annotations = &annotations{append([]string(nil), params...), append([]string(nil), results...)}
	}
}

// GoFunc describes the Go function behind a binding, for the host's help():
// its declaration (func Sum(x, y int) int), its doc comment, and the Go
// types of its parameters and results as Go writes them.
func GoFunc(declaration, doc string, params, results []string) Option {
	return func(s *signature) {
		s.goFunc = &goFunc{declaration, doc, append([]string(nil), params...), append([]string(nil), results...)}
	}
}

// Skipped records that the Go function called name has no binding, and
// why (a channel parameter, say): the host lists it (Python's
// Module.skipped) so a missing function is explained, not a mystery.
func Skipped(name, reason string) {
	exports.skip(name, reason)
}

// Description returns the JSON that gowasm_describe hands to the host,
// described in the package documentation.
func Description() []byte {
	return exports.json()
}

// exports holds what Export recorded. A guest is single-threaded, but host
// tests may not be, hence the lock.
var exports registry

type signature struct {
	params, results []Type
	names           []string // optional, one per param
	framed          bool
	variadic        bool
	goFunc          *goFunc // optional
	annotations     *annotations
}

type annotations struct {
	params, results []string
}

type goFunc struct {
	declaration, doc string
	params, results  []string
}

type registry struct {
	mu      sync.Mutex
	funcs   map[string]signature
	skipped map[string]string // Go functions without a binding, and why
}

func (r *registry) skip(name, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.skipped == nil {
		r.skipped = make(map[string]string)
	}
	r.skipped[name] = reason
}

func (r *registry) add(name string, params, results []Type, options ...Option) {
	if name == "" || !utf8.ValidString(name) {
		panic("gowasm: Export: the name " + strconv.Quote(name) + " is empty or not UTF-8")
	}
	for _, list := range [][]Type{params, results} {
		for _, t := range list {
			if !t.valid() {
				panic("gowasm: Export(" + strconv.Quote(name) + "): unknown type " + strconv.Quote(string(t)) +
					`; use gowasm.Int, Float, Bool, String, Bytes or JSON`)
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.funcs[name]; dup {
		panic("gowasm: Export(" + strconv.Quote(name) + ") called twice")
	}
	if r.funcs == nil {
		r.funcs = make(map[string]signature)
	}
	// Copy: the caller's slices are theirs to change.
	sig := signature{
		params:  append([]Type(nil), params...),
		results: append([]Type(nil), results...),
	}
	for _, o := range options {
		o(&sig)
	}
	if sig.variadic && (len(sig.params) == 0 || (sig.params[len(sig.params)-1] != JSON && sig.params[len(sig.params)-1] != Bytes)) {
		panic("gowasm: Export(" + strconv.Quote(name) + "): Variadic needs a last parameter of type JSON or Bytes")
	}
	if len(sig.results) > 1 && !sig.framed {
		panic("gowasm: Export(" + strconv.Quote(name) + "): " + strconv.Itoa(len(sig.results)) +
			" results; a Go wasm export has at most one, unless it returns a Frame (the Framed option)")
	}
	if a := sig.annotations; a != nil && (len(a.params) != len(sig.params) || len(a.results) != len(sig.results)) {
		panic("gowasm: Export(" + strconv.Quote(name) + "): Annotations needs one per parameter and one per result")
	}
	if sig.names != nil && len(sig.names) != len(sig.params) {
		panic("gowasm: Export(" + strconv.Quote(name) + "): " + strconv.Itoa(len(sig.names)) +
			" names for " + strconv.Itoa(len(sig.params)) + " parameters")
	}
	r.funcs[name] = sig
}

// json builds the description by hand rather than with encoding/json: the
// shape is fixed, and this keeps reflection out of every guest, which
// matters most for TinyGo's binary size.
func (r *registry) json() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.funcs))
	for name := range r.funcs {
		names = append(names, name)
	}
	sort.Strings(names)

	b := make([]byte, 0, 64+48*len(names))
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, DescriptionVersion, 10)
	b = append(b, `,"functions":{`...)
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		sig := r.funcs[name]
		b = appendJSONString(b, name)
		b = append(b, `:{"params":`...)
		b = appendTypes(b, sig.params)
		b = append(b, `,"results":`...)
		b = appendTypes(b, sig.results)
		if sig.names != nil {
			b = append(b, `,"names":`...)
			b = appendStrings(b, sig.names)
		}
		if sig.framed {
			b = append(b, `,"frame":true`...)
		}
		if sig.variadic {
			b = append(b, `,"variadic":true`...)
		}
		if a := sig.annotations; a != nil {
			b = append(b, `,"annotations":{"params":`...)
			b = appendStrings(b, a.params)
			b = append(b, `,"results":`...)
			b = appendStrings(b, a.results)
			b = append(b, '}')
		}
		if g := sig.goFunc; g != nil {
			b = append(b, `,"go":{"declaration":`...)
			b = appendJSONString(b, g.declaration)
			b = append(b, `,"doc":`...)
			b = appendJSONString(b, g.doc)
			b = append(b, `,"params":`...)
			b = appendStrings(b, g.params)
			b = append(b, `,"results":`...)
			b = appendStrings(b, g.results)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	if len(r.skipped) > 0 {
		skipped := make([]string, 0, len(r.skipped))
		for name := range r.skipped {
			skipped = append(skipped, name)
		}
		sort.Strings(skipped)
		b = append(b, `,"skipped":{`...)
		for i, name := range skipped {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
			b = append(b, ':')
			b = appendJSONString(b, r.skipped[name])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendTypes(b []byte, types []Type) []byte {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return appendStrings(b, s)
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

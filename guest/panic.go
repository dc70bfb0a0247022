package gowasm

import "strconv"

// Recover, deferred first thing in a binding (defer gowasm.Recover()),
// makes an unrecovered panic trap saying only its message: the host quotes
// it in the exception it raises (Python's gowasm.Trap, "the guest's panic:
// ..."), and Go's goroutine dump, which would also go to the guest's
// stderr, is not printed. A panic whose value is not an error, a
// fmt.Stringer or a string goes on as Go's own, dump and all (saying it
// like Go's runtime would need reflection). The module is dead after either,
// as after any trap. Bindings that Module.from_go generates defer it; a
// hand-written guest may.
func Recover() {
	v := recover()
	if v == nil {
		return
	}
	text, ok := panicMessageOf(v)
	if !ok {
		panic(v)
	}
	trap(text, v)
}

// panicMarker starts the one write to stderr with which Recover hands the
// panic's message to the host: the host keeps it for the trap's message
// but does not pass it on to the guest's stderr. A guest's own output
// never starts with a NUL byte followed by this. The host has the same
// literal (gohost/internal/engine/stderrtail.go; a test compares them).
const panicMarker = "\x00gowasm: panic\n"

// panicMessageOf is what Go's runtime prints for a panic value v after
// "panic: ", for the kinds of value it can say without reflection.
func panicMessageOf(v any) (string, bool) {
	switch x := v.(type) {
	case error:
		return x.Error(), true
	case interface{ String() string }:
		return x.String(), true
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

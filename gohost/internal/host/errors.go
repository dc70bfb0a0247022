package host

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero/sys"
)

// Code classifies an error for the caller; the values are the GOWASM_ERR_*
// constants of gowasm.h, and each maps to one Python exception class.
type Code int32

const (
	OK          Code = 0
	ErrCompile  Code = 1  // the bytes are not a valid module
	ErrLink     Code = 2  // imports cannot be satisfied (or a stub was called)
	ErrTrap     Code = 3  // the guest trapped
	ErrExit     Code = 4  // the guest called proc_exit
	ErrClosed   Code = 5  // the module was closed or is unusable after a trap/exit
	ErrArgument Code = 6  // an argument is out of range or has the wrong arity
	ErrUsage    Code = 7  // the caller misused the ABI (bad config, unknown export)
	ErrInternal Code = 8  // a bug in gowasm: a recovered Go panic
	ErrHost     Code = 9  // a host function (output callback) failed
	ErrDeadlock Code = 10 // waiting for a module's lock would never end
	// ErrInterrupted: Ctrl-C stopped the call; ErrTimeout: its timeout did.
	ErrInterrupted Code = 11
	ErrTimeout     Code = 12
	// ErrGuest: the guest broke the typed convention (a pointer outside
	// its memory); the module stays usable.
	ErrGuest Code = 13
)

// Error is what every failing operation returns: a code for the caller to
// dispatch on and a message written for a person.
type Error struct {
	Code     Code
	ExitCode uint32 // for ErrExit
	Msg      string
}

func (e *Error) Error() string { return e.Msg }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

const traceMarker = "\nwasm stack trace:"

// AsError turns any error into an *Error, classifying errors that come out of
// wazero while running guest code.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if err == error(e) {
			return e
		}
		// A host function panicked with e: keep the wasm stack trace wazero
		// appended, drop its "(recovered by wazero)".
		if _, trace, ok := strings.Cut(err.Error(), traceMarker); ok {
			// The guest was stopped in gowasm's poll import (see
			// instrument.go): its frame is gowasm's, not the guest's.
			trace = strings.Replace(trace, "\n\t"+PollModule+"."+PollName+"()", "", 1)
			return &Error{Code: e.Code, ExitCode: e.ExitCode, Msg: e.Msg + traceMarker + trace}
		}
		return e
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return &Error{Code: ErrExit, ExitCode: exit.ExitCode(),
			Msg: fmt.Sprintf("the guest exited with code %d", exit.ExitCode())}
	}
	return &Error{Code: ErrTrap, Msg: err.Error()}
}

// firstLine is used where a whole wasm stack trace would drown the message.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

package errs

import (
	"fmt"
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
	ErrHost     Code = 9  // an embedder callback failed (a host function, guest stdio)
	ErrDeadlock Code = 10 // waiting for a module's lock would never end
	// ErrInterrupted: Ctrl-C stopped the call; ErrTimeout: its timeout did.
	ErrInterrupted Code = 11
	ErrTimeout     Code = 12
	// ErrGuest: the guest broke the typed convention (a pointer outside
	// its memory); the module stays usable.
	ErrGuest Code = 13
)

// FatalCodes are the codes after which a module cannot be called again,
// one bit each (1 << code): ErrClosed, and the failures that close it
// (engine's Module.fail): a guest that trapped, exited or was stopped
// midway may have left its runtime corrupt.
const FatalCodes = 1<<ErrLink | 1<<ErrTrap | 1<<ErrExit | 1<<ErrClosed | 1<<ErrHost | 1<<ErrInterrupted | 1<<ErrTimeout

// Fatal says whether a module cannot be called again after a call failed
// with c.
func (c Code) Fatal() bool { return c >= 0 && c < 32 && FatalCodes&(1<<c) != 0 }

// Error is what every failing operation returns: a code for the caller to
// dispatch on and a message written for a person.
type Error struct {
	Code     Code
	ExitCode uint32 // for ErrExit
	Msg      string
}

func (e *Error) Error() string { return e.Msg }

func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

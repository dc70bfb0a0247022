package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
	"github.com/tetratelabs/wazero/sys"
)

const traceMarker = "\nwasm stack trace:"

// AsError turns any error into an *Error, classifying errors that come out of
// wazero while running guest code.
func AsError(err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) {
		if err == error(e) {
			return e
		}
		// A host function panicked with e: keep the wasm stack trace wazero
		// appended, drop its "(recovered by wazero)".
		if _, trace, ok := strings.Cut(err.Error(), traceMarker); ok {
			// The guest was stopped in gowasm's poll import (see
			// wasmbin/instrument.go): its frame is gowasm's, not the guest's.
			trace = strings.Replace(trace, "\n\t"+wasmbin.PollModule+"."+wasmbin.PollName+"()", "", 1)
			return &errs.Error{Code: e.Code, ExitCode: e.ExitCode, Msg: e.Msg + traceMarker + trace}
		}
		return e
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return &errs.Error{Code: errs.ErrExit, ExitCode: exit.ExitCode(),
			Msg: fmt.Sprintf("the guest exited with code %d", exit.ExitCode())}
	}
	return &errs.Error{Code: errs.ErrTrap, Msg: err.Error()}
}

// firstLine is used where a whole wasm stack trace would drown the message.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

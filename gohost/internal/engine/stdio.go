package engine

import (
	"io"
	"sync/atomic"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// OutputFunc delivers guest output for a stream id to the embedder (Python),
// which decides where it goes (sys.stdout, a file, a pipe...). Going through
// the embedder, never Go writes to fd 1/2, keeps output in order with the
// embedder's own and means a closed pipe cannot kill the process with SIGPIPE.
type OutputFunc func(stream uint64, p []byte, calls *Callout) error

var output atomic.Pointer[OutputFunc]

// SetOutput installs the output callback (once, at library initialization).
func SetOutput(f OutputFunc) { output.Store(&f) }

// streamWriter is a guest's stdout or stderr; its writes are callouts of
// the module (the embedder's file object may call the module again).
//
// A write the embedder fails (its file object raised: a closed pipe, a
// KeyboardInterrupt) aborts the guest call instead of answering EIO: the
// embedder keeps its exception for the call to re-raise, as for a host
// function, and a guest that ignores write errors (Go's fmt.Println does)
// would otherwise run on with its output lost, or never stop on Ctrl-C.
// It panics inside wazero's fd_write, which wazero recovers into the
// call's error, so the module is then dead (see Module.fail).
type streamWriter struct {
	stream uint64
	calls  *Callout
}

func (s streamWriter) Write(p []byte) (int, error) {
	f := output.Load()
	if f == nil || len(p) == 0 {
		return len(p), nil
	}
	if err := (*f)(s.stream, p, s.calls); err != nil {
		panic(streamFailed("writing the guest's output", err))
	}
	if s.calls.after != nil {
		s.calls.after()
	}
	return len(p), nil
}

// InputFunc reads guest input for a stream id from the embedder: it fills
// p and returns how many bytes it read, 0 at end of file.
type InputFunc func(stream uint64, p []byte, calls *Callout) (int, error)

var input atomic.Pointer[InputFunc]

// SetInput installs the input callback (once, at library initialization).
func SetInput(f InputFunc) { input.Store(&f) }

// streamReader is a guest's stdin; a failed read aborts the guest call as a
// failed write does (see streamWriter).
type streamReader struct {
	stream uint64
	calls  *Callout
}

func (s streamReader) Read(p []byte) (int, error) {
	f := input.Load()
	if f == nil || len(p) == 0 {
		return 0, io.EOF
	}
	n, err := (*f)(s.stream, p, s.calls)
	if err != nil {
		panic(streamFailed("reading the guest's input", err))
	}
	if s.calls.after != nil {
		s.calls.after() // a read may block for as long as the embedder's file does
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// streamFailed is the error a failed stream callback aborts the guest call
// with: ErrHost, whose embedder re-raises the exception it kept.
func streamFailed(what string, err error) *errs.Error {
	return &errs.Error{Code: errs.ErrHost, Msg: "gowasm: " + what + " failed: " + err.Error()}
}

func readerFor(stream uint64, calls *Callout) io.Reader {
	if stream == 0 {
		return eofReader{}
	}
	return streamReader{stream, calls}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func writerFor(stream uint64, calls *Callout) io.Writer {
	if stream == 0 {
		return io.Discard
	}
	return streamWriter{stream, calls}
}

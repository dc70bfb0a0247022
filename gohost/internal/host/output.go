package host

import (
	"io"
	"sync/atomic"
)

// OutputFunc delivers guest output for a stream id to the embedder (Python),
// which decides where it goes (sys.stdout, a file, a pipe...). Going through
// the embedder, never Go writes to fd 1/2, keeps output in order with the
// embedder's own and means a closed pipe cannot kill the process with SIGPIPE.
type OutputFunc func(stream uint64, p []byte) error

var output atomic.Pointer[OutputFunc]

// SetOutput installs the output callback (once, at library initialization).
func SetOutput(f OutputFunc) { output.Store(&f) }

type streamWriter uint64

func (s streamWriter) Write(p []byte) (int, error) {
	f := output.Load()
	if f == nil || len(p) == 0 {
		return len(p), nil
	}
	if err := (*f)(uint64(s), p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func writerFor(stream uint64) io.Writer {
	if stream == 0 {
		return io.Discard
	}
	return streamWriter(stream)
}

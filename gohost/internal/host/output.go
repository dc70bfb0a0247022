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

// InputFunc reads guest input for a stream id from the embedder: it fills
// p and returns how many bytes it read, 0 at end of file.
type InputFunc func(stream uint64, p []byte) (int, error)

var input atomic.Pointer[InputFunc]

// SetInput installs the input callback (once, at library initialization).
func SetInput(f InputFunc) { input.Store(&f) }

type streamReader uint64

func (s streamReader) Read(p []byte) (int, error) {
	f := input.Load()
	if f == nil || len(p) == 0 {
		return 0, io.EOF
	}
	n, err := (*f)(uint64(s), p)
	if err == nil && n == 0 {
		return 0, io.EOF
	}
	return n, err
}

func readerFor(stream uint64) io.Reader {
	if stream == 0 {
		return eofReader{}
	}
	return streamReader(stream)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func writerFor(stream uint64) io.Writer {
	if stream == 0 {
		return io.Discard
	}
	return streamWriter(stream)
}

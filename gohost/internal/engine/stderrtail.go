package engine

import (
	"bytes"
	"io"
	"sync"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// stderrTail keeps the end of what a guest wrote to stderr, so that a trap
// can say what the guest's own runtime said just before it: a Go or TinyGo
// panic prints "panic: <message>" and a goroutine trace to stderr, then
// traps with unreachable, which alone tells the user nothing. It costs
// nothing on calls that write nothing.
type stderrTail struct {
	mu  sync.Mutex
	buf []byte
}

// tailSize bounds the tail: a panic's message and the start of its trace.
const tailSize = 8 << 10

func (t *stderrTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(p) >= tailSize {
		t.buf = append(t.buf[:0], p[len(p)-tailSize:]...)
	} else {
		if over := len(t.buf) + len(p) - tailSize; over > 0 {
			t.buf = append(t.buf[:0], t.buf[over:]...)
		}
		t.buf = append(t.buf, p...)
	}
	return len(p), nil
}

// guestPanicMarker starts the write with which gowasm's guest package
// (guest/panic.go, the same literal: a test compares them) hands a panic's
// message to the host before it traps: the tail keeps it, for the trap's
// message, and the guest's stderr does not get it (nor Go's goroutine dump,
// which the guest no longer prints).
const guestPanicMarker = "\x00gowasm: panic\n"

// withoutPanicMarks passes writes on to w, but those that start with
// guestPanicMarker.
type withoutPanicMarks struct{ w io.Writer }

func (s withoutPanicMarks) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte(guestPanicMarker)) {
		return len(p), nil
	}
	return s.w.Write(p)
}

// take returns the guest's last panic message and forgets the tail.
func (t *stderrTail) take() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	msg := panicMessage(t.buf)
	t.buf = t.buf[:0]
	return msg
}

// quote puts the guest's last panic, if any, before msg, the message of an
// error of the given code: its own words first ("the guest's panic:
// division by zero"), then the trap. Only traps and exits follow a panic.
func (t *stderrTail) quote(code errs.Code, msg string) string {
	if code != errs.ErrTrap && code != errs.ErrExit {
		return msg
	}
	if p := t.take(); p != "" {
		return "the guest's " + p + "\n" + msg
	}
	return msg
}

// panicMessage finds the last panic (Go: "panic: ", TinyGo: "panic: " too;
// the Go runtime's "fatal error: ") at the start of a line of stderr and
// returns it without the goroutine trace that follows, or "".
func panicMessage(out []byte) string {
	start := -1
	for _, marker := range []string{"panic: ", "fatal error: "} {
		for i := bytes.LastIndex(out, []byte(marker)); i >= 0; i = bytes.LastIndex(out[:i], []byte(marker)) {
			if i == 0 || out[i-1] == '\n' {
				if i > start {
					start = i
				}
				break
			}
		}
	}
	if start < 0 {
		return ""
	}
	msg := out[start:]
	for _, end := range []string{"\n\ngoroutine ", "\ngoroutine ", "\n[signal"} {
		if i := bytes.Index(msg, []byte(end)); i >= 0 {
			msg = msg[:i]
		}
	}
	const maxMessage = 2000
	if len(msg) > maxMessage {
		msg = append(msg[:maxMessage:maxMessage], "..."...)
	}
	return string(bytes.TrimSpace(msg))
}

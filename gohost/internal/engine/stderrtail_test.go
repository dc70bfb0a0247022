package engine

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestPanicMessage(t *testing.T) {
	for out, want := range map[string]string{
		"panic: exploded: boom\n\ngoroutine 1 [running]:\nmain.f()\n":                       "panic: exploded: boom",
		"hello\npanic: runtime error: integer divide by zero\n[recovered]\n\ngoroutine 1":   "panic: runtime error: integer divide by zero\n[recovered]",
		"fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:": "fatal error: all goroutines are asleep - deadlock!",
		"a log line that says panic: in the middle\n":                                       "",
		"nothing to see\n": "",
		"panic: first\ngoroutine 1\npanic: second\ngoroutine 2": "panic: second",
	} {
		if got := panicMessage([]byte(out)); got != want {
			t.Errorf("panicMessage(%q) = %q, want %q", out, got, want)
		}
	}
}

func TestStderrTailKeepsTheEnd(t *testing.T) {
	var tail stderrTail
	tail.Write([]byte("panic: old\n"))
	tail.Write([]byte(strings.Repeat("x", tailSize)))
	tail.Write([]byte("\npanic: new\n\ngoroutine 1"))
	if got := tail.take(); got != "panic: new" {
		t.Errorf("take() = %q", got)
	}
	if got := tail.take(); got != "" {
		t.Errorf("a second take() = %q, want nothing", got)
	}
}

// The guest package's message for the host reaches the tail, not the
// guest's stderr; both sides write the same marker.
func TestGuestPanicMarker(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "guest", "panic.go"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "const panicMarker = " + strconv.Quote(guestPanicMarker) + "\n"; !strings.Contains(string(src), want) {
		t.Fatalf("guest/panic.go lacks %q", want)
	}
	var tail stderrTail
	var out bytes.Buffer
	w := io.MultiWriter(&tail, withoutPanicMarks{&out})
	w.Write([]byte("before\n"))
	w.Write([]byte(guestPanicMarker + "panic: boom\n"))
	if out.String() != "before\n" {
		t.Errorf("the guest's stderr got %q", out.String())
	}
	if got := tail.take(); got != "panic: boom" {
		t.Errorf("take() = %q", got)
	}
}

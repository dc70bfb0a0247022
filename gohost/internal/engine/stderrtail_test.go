package engine

import (
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

//go:build wasip1 && !tinygo

package gowasm

import (
	"runtime"
	"syscall"
)

// trap writes the panic's message for the host and traps: on wasm,
// runtime.Breakpoint is the unreachable instruction.
func trap(text string, _ any) {
	msg := panicMarker + "panic: " + text + "\n"
	_, _ = syscall.Write(2, []byte(msg))
	runtime.Breakpoint()
}

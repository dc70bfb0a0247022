//go:build !(linux || darwin || freebsd)

package memfile

import (
	"errors"
	"unsafe"
)

// Memory is unix-only; elsewhere memories live on the Go heap and
// Python copies in and out of them (no zero-copy views yet).
type Memory struct{}

// Supported says memories can be memory files here.
const Supported = false

func New(uint64) (*Memory, error) {
	return nil, errors.New("memory files are not supported on this platform")
}

func (*Memory) Reallocate(uint64) []byte { return nil }

func (*Memory) MapInto(unsafe.Pointer, uint64) (uint64, error) {
	return 0, errors.New("zero-copy memory views are not supported on this platform yet")
}

func (*Memory) Contains(unsafe.Pointer) bool { return false }

func (*Memory) Free() {}

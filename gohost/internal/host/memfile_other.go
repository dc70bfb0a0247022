//go:build !(linux || darwin || freebsd)

package host

import (
	"errors"
	"unsafe"
)

// mappedMemory is unix-only; elsewhere memories live on the Go heap and
// Python copies in and out of them (no zero-copy views yet).
type mappedMemory struct{}

// supportsMemoryFiles says memories can be memory files here.
const supportsMemoryFiles = false

func newMappedMemory(uint64) (*mappedMemory, error) {
	return nil, errors.New("memory files are not supported on this platform")
}

func (*mappedMemory) Reallocate(uint64) []byte { return nil }

func (*mappedMemory) mapInto(unsafe.Pointer, uint64) (uint64, error) {
	return 0, errors.New("zero-copy memory views are not supported on this platform yet")
}

func (*mappedMemory) contains(unsafe.Pointer) bool { return false }

func (*mappedMemory) Free() {}

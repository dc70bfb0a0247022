//go:build !(linux || darwin || freebsd)

package host

import (
	"errors"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
)

// mappedMemory is unix-only; elsewhere memories live on the Go heap and
// Python copies in and out of them (no zero-copy views yet).
type mappedMemory struct{}

func (*mappedMemory) mapInto(unsafe.Pointer, uint64) (uint64, error) {
	return 0, errors.New("zero-copy memory views are not supported on this platform yet")
}

func (*mappedMemory) contains(unsafe.Pointer) bool { return false }

func allocator(*Module) experimental.MemoryAllocator { return nil }

func (*mappedMemory) Free() {}

package engine

import (
	"os"
	"testing"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"golang.org/x/sys/unix"
)

// TestMemoriesHoldNoDescriptor: on Linux a memory's file is closed once Go
// has mapped it (one descriptor per module exhausted a 1,024 limit), and
// MemoryMap still gives the caller the same pages, which outlive the module.
func TestMemoriesHoldNoDescriptor(t *testing.T) {
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip(err)
		}
		return len(entries)
	}
	before := fds()
	var mods []*Module
	for i := 0; i < 20; i++ {
		m, err := NewModule(growWasm, Config{})
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, m)
	}
	if n := fds() - before; n != 0 {
		t.Fatalf("20 modules hold %d more descriptors", n)
	}
	m := mods[0]
	reserved, e := m.MemoryMap(nil, 0)
	if e != nil || reserved != memoryLimitPages<<16 {
		t.Fatalf("reserved %d, %v", reserved, e)
	}
	view, err := unix.Mmap(-1, 0, 1<<16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(view)
	if _, e := m.MemoryMap(unsafe.Pointer(&view[0]), 1<<16); e != nil {
		t.Fatal(e)
	}
	view[10] = 42
	got := make([]byte, 1)
	if e := m.MemoryCopy(10, got, false); e != nil || got[0] != 42 {
		t.Fatalf("the guest sees %d (%v), want 42", got[0], e)
	}
	if _, e := m.MemoryMap(unsafe.Pointer(&view[0]), reserved+1<<16); e == nil || e.Code != errs.ErrArgument {
		t.Fatalf("mapping past the reservation: want ErrArgument, got %v", e)
	}
	for _, m := range mods {
		m.Free()
	}
	if view[10] != 42 || fds() != before {
		t.Fatalf("after close the view reads %d and %d descriptors are open, want 42 and %d", view[10], fds(), before)
	}
}

package engine

import (
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/sandbox"
	"github.com/gowasm/gowasm/gohost/internal/wasip1"
)

// TestGuestFilesProcessWide: all guests of the process together hold at
// most guestFilesLimit files, whatever the number of modules (ENFILE past
// it, in every module); fd_close, fd_renumber over an open file and
// closing a module give theirs back, and a failed open takes none.
func TestGuestFilesProcessWide(t *testing.T) {
	base := sandbox.GuestFiles.Load() // (files other tests' modules still hold)
	saved := sandbox.GuestFilesLimit
	sandbox.GuestFilesLimit = func() int64 { return base + 10 }
	defer func() { sandbox.GuestFilesLimit = saved }()
	a, b := newWASIFuzzer(t, 1), newWASIFuzzer(t, 2)
	a.reset()
	b.reset()
	defer func() { a.m.Free(); b.m.Free() }()
	open := func(z *wasiFuzzer, path int) (uint64, uint32) {
		z.writeMemory()
		p := z.paths[path]
		errno, err := z.call("path_open", 3, 0, uint64(p[0]), uint64(p[1]), 0, uint64(wasip1.RightFdRead), 0, 0, fuzzScratch)
		if err != nil {
			t.Fatal(err)
		}
		fd, _ := z.m.inst.Memory().ReadUint32Le(fuzzScratch)
		return errno, fd
	}
	var fds []uint32
	for {
		errno, fd := open(a, 0) // "a"
		if errno != 0 {
			if errno != uint64(wasip1.ErrnoNfile) || len(fds) != 10 {
				t.Fatalf("after %d files: errno %d, want ENFILE after 10", len(fds), errno)
			}
			break
		}
		fds = append(fds, fd)
	}
	if errno, _ := open(b, 0); errno != uint64(wasip1.ErrnoNfile) {
		t.Fatalf("another module opened past the process's limit: errno %d", errno)
	}
	if errno, _ := open(b, 4); errno != uint64(wasip1.ErrnoNfile) { // "new": missing, but the limit comes first
		t.Fatalf("errno %d", errno)
	}
	if errno, _ := a.call("fd_close", uint64(fds[0])); errno != 0 {
		t.Fatal("fd_close", errno)
	}
	if errno, _ := open(b, 0); errno != 0 {
		t.Fatal("a closed file's place was not given back:", errno)
	}
	if errno, _ := a.call("fd_renumber", uint64(fds[1]), uint64(fds[2])); errno != 0 {
		t.Fatal("fd_renumber", errno)
	}
	if n := sandbox.GuestFiles.Load() - base; n != 9 {
		t.Fatalf("%d files counted after fd_renumber replaced one, want 9", n)
	}
	for i := 0; i < 5; i++ {
		if errno, _ := open(b, 4); errno != 44 { // ENOENT: a failed open gives its place back
			t.Fatal("errno", errno)
		}
	}
	if errno, _ := open(b, 0); errno != 0 {
		t.Fatal(errno)
	}
	a.m.Free()
	if n := sandbox.GuestFiles.Load() - base; n != 2 {
		t.Fatalf("%d files counted after the module holding 8 closed, want 2", n)
	}
	b.m.Free()
	if n := sandbox.GuestFiles.Load() - base; n != 0 {
		t.Fatalf("%d files counted with every module closed", n)
	}
	a.reset()
	b.reset()
}

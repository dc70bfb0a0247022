package sandbox

import (
	"sync"
	"sync/atomic"
)

// Descriptors are a resource of the process, not of a guest: without
// limits a guest could open files until the process had none left, and
// then the embedder's own opens failed too (and the guest saw EIO). Two
// limits, both from the process's limit (Go raises the soft limit to the
// hard one when its runtime starts, so that is the limit read here):

// GuestFilesLimit is how many files all guests of the process together
// may hold open (what path_open opened and not yet closed): half of the
// process's limit, at least 64, which leaves the rest to the process.
// Past it path_open answers ENFILE. A limit per module alone let many
// modules together take every descriptor. (A variable for tests.)
var GuestFilesLimit = sync.OnceValue(func() int64 {
	return int64(max(64, processOpenFileLimit()/2))
})

// MaxOpenFiles is how many descriptors (stdio and mounts included) one
// guest may hold open: half of the process's limit too, at least 64 and
// at most 1024, so that one module does not take all of what guests may
// hold. Past it path_open answers EMFILE.
var MaxOpenFiles = sync.OnceValue(func() int32 {
	return int32(min(1024, max(64, processOpenFileLimit()/2)))
})

// GuestFiles counts the files guests hold open, process-wide.
var GuestFiles atomic.Int64

// TakeGuestFile counts one more file a guest is opening; false (nothing
// counted) when guests already hold guestFilesLimit. A descriptor gives
// its place back when it closes (descriptor.Close).
func TakeGuestFile() bool {
	if GuestFiles.Add(1) > GuestFilesLimit() {
		GuestFiles.Add(-1)
		return false
	}
	return true
}

package host

import "sync"

// maxOpenFiles is how many descriptors (stdio and mounts included) one
// guest may hold open: past it path_open answers EMFILE. Without a limit
// a guest could open files until the process had no descriptor left, and
// then the embedder's own opens failed too (and the guest saw EIO). Half
// of the process's limit, at least 64 and at most 1024, leaves the rest to
// the process and its other modules. (Go raises the soft limit to the hard
// one when its runtime starts, so that is the limit read here.)
var maxOpenFiles = sync.OnceValue(func() int32 {
	return int32(min(1024, max(64, processOpenFileLimit()/2)))
})

package engine

import (
	"runtime/debug"
	"sync"
	"time"
)

// Go keeps the heap that closed modules free for reuse, and gives it back to
// the OS slowly: not at all until a GC runs (with nothing allocating, that is
// up to 2 minutes later), then slowly. A Go reactor's instance is megabytes
// of Go heap (its decoded module, per runtime), so a thousand closed reactors
// kept gigabytes of RSS (RATIONALE.md, "One runtime per Module, one
// compilation cache per process"). debug.FreeOSMemory returns it at once,
// but it is a full GC,
// so it runs in the background, once after a burst of closes and at most
// once per releaseInterval (or 10 times its own duration, so that a big live
// heap costs under a tenth of a core).
const releaseInterval = time.Second

var releases = make(chan struct{}, 1)

// releases are paused (pauseReleases) for go test's stand-in for the
// watcher: a goroutine, which cannot ask a guest to poll while a forced GC
// waits for it. The mutex makes pausing wait for a release under way: a
// flag alone let a release that had just read it start its GC while the
// test's guest spun, and both waited for ever.
var release struct {
	sync.Mutex
	paused bool
}

// pauseReleases pauses or resumes releases; pausing returns once no
// release is running.
func pauseReleases(paused bool) {
	release.Lock()
	release.paused = paused
	release.Unlock()
}

func init() { go releaseLoop() }

// releaseSoon asks for the freed heap to be returned to the OS; it never
// blocks, and requests made while a release is pending are merged.
func releaseSoon() {
	select {
	case releases <- struct{}{}:
	default:
	}
}

func releaseLoop() {
	for range releases {
		start := time.Now()
		release.Lock()
		if !release.paused {
			debug.FreeOSMemory()
		}
		release.Unlock()
		time.Sleep(max(releaseInterval, 10*time.Since(start)))
	}
}

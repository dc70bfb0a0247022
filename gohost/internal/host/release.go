package host

import (
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Go keeps the heap that closed modules free for reuse, and gives it back to
// the OS slowly: not at all until a GC runs (with nothing allocating, that is
// up to 2 minutes later), then ~5 MB/s. A Go reactor's instance is ~4 MB of
// Go heap (its decoded module, per runtime), so 1,000 closed reactors kept
// ~4 GB of RSS. debug.FreeOSMemory returns it at once, but it is a full GC,
// so it runs in the background, once after a burst of closes and at most
// once per releaseInterval (or 10 times its own duration, so that a big live
// heap costs under a tenth of a core).
const releaseInterval = time.Second

var releases = make(chan struct{}, 1)

// releasePaused stops releases: go test's stand-in for the watcher is a
// goroutine, which cannot ask a guest to poll while a forced GC waits for it.
var releasePaused atomic.Bool

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
		if releasePaused.Load() {
			continue
		}
		start := time.Now()
		debug.FreeOSMemory()
		time.Sleep(max(releaseInterval, 10*time.Since(start)))
	}
}

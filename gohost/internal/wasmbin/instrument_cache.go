package wasmbin

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// instrumentedCache keeps instrumented modules by content: hashing a module
// costs a fraction of instrumenting it (RATIONALE.md, "Validation once per
// module, not once per load").
var instrumentedCache struct {
	sync.Mutex
	bytes map[instrumentKey][]byte
	size  int
}

type instrumentKey struct {
	sum  [32]byte
	what Rewrites
}

// maxInstrumentedCache bounds the cache; past it, it starts afresh (a
// variable for tests).
var maxInstrumentedCache = 256 << 20

func InstrumentCached(wasm []byte, sum [sha256.Size]byte, what Rewrites) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil { // a bug here must not fail the load
			out, err = nil, fmt.Errorf("%w: %v", errNotInstrumentable, p)
		}
	}()
	key := instrumentKey{sum, what}
	c := &instrumentedCache
	c.Lock()
	out, ok := c.bytes[key]
	c.Unlock()
	if ok {
		return out, nil
	}
	if out, err = Instrument(wasm, what); err != nil || len(out) > maxInstrumentedCache {
		return out, err // too large to keep: it would stay for the process
	}
	c.Lock()
	defer c.Unlock()
	if c.bytes == nil || c.size+len(out) > maxInstrumentedCache {
		c.bytes, c.size = map[instrumentKey][]byte{}, 0
	}
	c.bytes[key] = out
	c.size += len(out)
	return out, nil
}

package wasmbin

import (
	"crypto/sha256"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/testkit"
)

// A module whose instrumented bytes are larger than the whole cache of
// them is not kept: it was, for the rest of the process (a 1 GiB module
// kept ~1.1 GB after it was closed), until another module's replaced it.
func TestAnInstrumentedModuleLargerThanItsCacheIsNotKept(t *testing.T) {
	wasm := testkit.Blocks(1000)
	defer func(limit int) { maxInstrumentedCache = limit }(maxInstrumentedCache)
	maxInstrumentedCache = len(wasm) // the instrumented bytes are larger
	sum := sha256.Sum256(wasm)
	out, err := InstrumentCached(wasm, sum, Rewrites{Interrupts: true})
	if err != nil || len(out) <= len(wasm) {
		t.Fatal(len(out), err)
	}
	c := &instrumentedCache
	c.Lock()
	defer c.Unlock()
	if kept, ok := c.bytes[instrumentKey{sum, Rewrites{Interrupts: true}}]; ok {
		t.Fatalf("the cache kept its %d bytes, over its limit of %d", len(kept), maxInstrumentedCache)
	}
}

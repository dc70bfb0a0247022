package handles

import (
	"sync"
	"testing"
)

func TestAddGetRemove(t *testing.T) {
	var tb Table[string]
	a, b := "a", "b"
	ha, hb := tb.Add(&a), tb.Add(&b)
	if ha == 0 || hb == 0 || ha == hb {
		t.Fatalf("bad handles %x %x", ha, hb)
	}
	if got := tb.Get(ha); got != &a {
		t.Fatalf("Get(ha) = %v", got)
	}
	if tb.Remove(ha) != &a || tb.Get(ha) != nil || tb.Remove(ha) != nil {
		t.Fatal("removed handle still resolves")
	}
	c := "c"
	if hc := tb.Add(&c); hc != ha || tb.Get(hc) != &c { // reuses a's slot
		t.Fatalf("slot of a removed handle not reused: %x, %x", ha, hc)
	}
	if ha >= 1<<30 || hb >= 1<<30 {
		t.Fatalf("handles should be small integers: %x %x", ha, hb)
	}
	if tb.Get(0) != nil || tb.Get(1<<40|99999) != nil {
		t.Fatal("unknown handles must resolve to nil")
	}
	if tb.Len() != 2 {
		t.Fatalf("Len = %d, want 2", tb.Len())
	}
}

func TestGrowsPastChunksConcurrently(t *testing.T) {
	var tb Table[int]
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3*chunkSize; i++ {
				v := i
				h := tb.Add(&v)
				if got := tb.Get(h); got == nil || *got != i {
					t.Errorf("Get after Add: %v", got)
					return
				}
				if i%2 == 0 {
					tb.Remove(h)
				}
			}
		}()
	}
	wg.Wait()
	if want := 4 * 3 * chunkSize / 2; tb.Len() != want {
		t.Fatalf("Len = %d, want %d", tb.Len(), want)
	}
}

func BenchmarkGet(b *testing.B) {
	var tb Table[int]
	v := 1
	h := tb.Add(&v)
	for i := 0; i < b.N; i++ {
		if tb.Get(h) == nil {
			b.Fatal("nil")
		}
	}
}

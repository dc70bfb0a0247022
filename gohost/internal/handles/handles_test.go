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
	if hc := tb.Add(&c); hc == ha || hc == hb || tb.Get(hc) != &c || tb.Get(ha) != nil {
		t.Fatalf("a removed handle was reused: %x, %x", ha, hc)
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

// A handle is never handed out twice, and chunks whose handles are all
// gone are dropped, so the table stays as small as its live handles.
func TestHandlesAreNeverReusedAndDeadChunksAreDropped(t *testing.T) {
	var tb Table[int]
	seen := map[uint64]bool{}
	keep := 0
	kept := tb.Add(&keep) // a long-lived handle in the first chunk
	seen[kept] = true
	for round := 0; round < 10; round++ {
		var hs []uint64
		for i := 0; i < chunkSize+7; i++ {
			v := i
			h := tb.Add(&v)
			if seen[h] {
				t.Fatalf("handle %d handed out twice", h)
			}
			seen[h] = true
			hs = append(hs, h)
		}
		for _, h := range hs {
			if tb.Remove(h) == nil || tb.Get(h) != nil {
				t.Fatalf("handle %d: Remove/Get", h)
			}
		}
		if n := tb.chunks(); n > 3 {
			t.Fatalf("round %d: %d chunks kept for 1 live handle", round, n)
		}
	}
	if tb.Get(kept) != &keep || tb.Len() != 1 {
		t.Fatal("the long-lived handle was lost")
	}
	for h := range seen {
		if h != kept && tb.Get(h) != nil {
			t.Fatalf("removed handle %d resolves", h)
		}
	}
	tb.Remove(kept)
	if tb.chunks() > 1 {
		t.Fatalf("%d chunks kept with no live handle", tb.chunks())
	}
	v := 1
	if h := tb.Add(&v); seen[h] || tb.Get(h) != &v {
		t.Fatalf("after every chunk was dropped: handle %d", h)
	}
}

// chunks returns how many chunks the table keeps.
func (t *Table[T]) chunks() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	if d := t.dir.Load(); d != nil {
		for _, c := range d.chunks {
			if c != nil {
				n++
			}
		}
	}
	return n
}

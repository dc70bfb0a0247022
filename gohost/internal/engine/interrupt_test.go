package engine

import (
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/testkit"
)

// goWatcher runs the Go watcher for a test. A goroutine can ask a guest to
// poll only as long as nothing stops the world while the guest runs (the
// point of the real watcher being a C thread), so the GC is off meanwhile.
func goWatcher(t *testing.T) {
	pauseReleases(true)
	gc := debug.SetGCPercent(-1) // also waits for a GC's marking under way
	// ... but not for its last step, which asks every P to flush its
	// caches after the world restarted: a guest spinning from now on would
	// hold its P from that, the GC would hold the other P waiting, and
	// this watcher, a goroutine, would get none (the suite hung so, now
	// and then, on a loaded machine). Stopping the world waits for that
	// step to end.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	stop := StartGoWatcher(WatchTick)
	t.Cleanup(func() {
		stop()
		pauseReleases(false)
		debug.SetGCPercent(gc)
	})
}

func TestTimeoutStopsAnEndlessCall(t *testing.T) {
	goWatcher(t)
	m, err := NewModule(testkit.Spin, Config{Name: "spin", Timeout: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	spin := funcNamed(m, "spin")
	args := [4]uint64{1000}
	if raw, _, err := CallFast(spin.handle, &args, 1, 0, ResultInt); err != nil || raw != 1000 {
		t.Fatalf("spin(1000) = %d, %v", raw, err)
	}
	args[0] = 1 << 62
	start := time.Now()
	_, _, e := CallFast(spin.handle, &args, 1, 0, ResultInt)
	if e == nil || e.Code != errs.ErrTimeout || !strings.Contains(e.Msg, "timed out") {
		t.Fatalf("an endless call with a timeout: %v", e)
	}
	// A bound that says "it stopped", not how fast: a loaded 2-core
	// machine has taken 6.8 s (the goroutine watcher waits for a P).
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("stopped after %v", d)
	}
	if _, _, e := CallFast(spin.handle, &args, 1, 0, ResultInt); e == nil || e.Code != errs.ErrClosed || !strings.Contains(e.Msg, "stopped midway") {
		t.Fatalf("the module after a timeout: %v", e)
	}
	// A timeout of its own: none at all for this one, then a short one.
	m2, err := NewModule(testkit.Spin, Config{Name: "spin2"})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Free()
	st := []uint64{1 << 62}
	if e := CallTimeout(funcNamed(m2, "spin").handle, st, 0.03); e == nil || e.Code != errs.ErrTimeout {
		t.Fatalf("CallTimeout: %v", e)
	}
}

func TestOwnTimeouts(t *testing.T) {
	goWatcher(t)
	m, err := NewModule(testkit.Spin, Config{Name: "spin"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1), MaxTimeout * 2} {
		if e := m.PushTimeout(bad, 9); e == nil || e.Code != errs.ErrUsage {
			t.Errorf("PushTimeout(%v): %v", bad, e)
		}
	}
	m.PopTimeout(7) // none pushed: nothing to do
	// Pushes nest, the last one counting: 0 (none) inside a short one.
	if e := m.PushTimeout(0.03, 1); e != nil {
		t.Fatal(e)
	}
	if e := m.PushTimeout(0, 2); e != nil {
		t.Fatal(e)
	}
	spin := funcNamed(m, "spin")
	args := [4]uint64{1000}
	if raw, _, e := CallFast(spin.handle, &args, 1, 0, ResultInt); e != nil || raw != 1000 {
		t.Fatalf("spin(1000) = %d, %v", raw, e)
	}
	m.PopTimeout(2)
	args[0] = 1 << 62
	if _, _, e := CallFast(spin.handle, &args, 1, 0, ResultInt); e == nil || e.Code != errs.ErrTimeout {
		t.Fatalf("an endless call with a timeout of its own: %v", e)
	}
	m.PopTimeout(1)
	if n := m.intr.owned.Load(); n != 0 {
		t.Fatalf("%d timeouts left after popping them all", n)
	}
	plain, err := NewModule(testkit.Spin, Config{Name: "plain", NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Free()
	if e := plain.PushTimeout(1, 1); e == nil || e.Code != errs.ErrUsage || !strings.Contains(e.Msg, "cannot be stopped") {
		t.Errorf("a timeout for a module that cannot be stopped: %v", e)
	}
	if e := plain.PushTimeout(0, 2); e != nil {
		t.Errorf("no timeout for a module that cannot be stopped: %v", e)
	}
	plain.PopTimeout(1) // the refused push's token: nothing to do
	plain.PopTimeout(2)
	if n := plain.intr.owned.Load(); n != 0 {
		t.Fatalf("%d timeouts left after popping them all", n)
	}
}

// A timeout a thread gives its calls is that thread's: another thread's
// calls on the module keep the module's timeout, and its pops leave it.
func TestOwnTimeoutsArePerThread(t *testing.T) {
	m, err := NewModule(testkit.Spin, Config{Name: "spin"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	oldID := ThreadID
	ThreadID = goroutineID
	defer func() { ThreadID = oldID }()
	pushed, popped, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		if e := m.PushTimeout(0.03, 1); e != nil {
			t.Error(e)
		}
		close(pushed)
		<-popped
		m.PopTimeout(1)
		close(done)
	}()
	<-pushed
	if _, ok := m.intr.ownDeadline(); ok {
		t.Error("another goroutine's timeout applies to this one's calls")
	}
	m.PopTimeout(1) // the same token, another thread: not this one's to end
	if n := m.intr.owned.Load(); n != 1 {
		t.Errorf("%d timeouts after another thread's pop, want 1", n)
	}
	close(popped)
	<-done
	if n := m.intr.owned.Load(); n != 0 {
		t.Errorf("%d timeouts after their thread popped them, want 0", n)
	}
}

func TestCloseStopsARunningCall(t *testing.T) {
	goWatcher(t)
	m, err := NewModule(testkit.Spin, Config{Name: "spin"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	done := make(chan *errs.Error)
	go func() {
		args := [4]uint64{1 << 62}
		_, _, e := CallFast(funcNamed(m, "spin").handle, &args, 1, 0, ResultInt)
		done <- e
	}()
	time.Sleep(30 * time.Millisecond)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if e := <-done; e == nil || e.Code != errs.ErrClosed || !strings.Contains(e.Msg, "closed while this call ran") {
		t.Fatalf("the running call: %v", e)
	}
}

func TestUninstrumentedModuleRunsToo(t *testing.T) {
	m, err := NewModule(testkit.Spin, Config{NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if m.intr.instrumented {
		t.Fatal("instrumented although NoInterrupts")
	}
	args := [4]uint64{1000}
	if raw, _, err := CallFast(funcNamed(m, "spin").handle, &args, 1, 0, ResultInt); err != nil || raw != 1000 {
		t.Fatalf("spin(1000) = %d, %v", raw, err)
	}
}

// wazerointernal.GlobalAddress finds the global where wazero v1.12's compiler keeps it:
// if an upgrade of wazero changes its internals, this fails (and modules
// still run, without stops from outside Go).
func TestGlobalAddressIsFound(t *testing.T) {
	goWatcher(t)
	m, err := NewModule(testkit.Spin, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	args := [4]uint64{10}
	CallFast(funcNamed(m, "spin").handle, &args, 1, 0, ResultInt) // the first poll attaches
	if m.intr.watch.Flag == 0 || !m.intr.added {
		t.Fatal("the interrupt global's address was not found")
	}
	atomic.StoreInt32(*(**int32)(unsafe.Pointer(&m.intr.watch.Flag)), 7)
	if got := m.intr.flag.Get(); got != 7 {
		t.Fatalf("the address found is not the global's: it reads %d", got)
	}
	m.intr.flag.Set(0)
}

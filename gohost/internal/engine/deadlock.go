package engine

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// Deadlocks between modules. A host function of A that calls B waits for
// B's lock while holding A's; if B's lock is held by a thread inside one of
// B's host functions that waits for A, neither ever returns. A call that
// finds a lock taken (TryLock: the uncontended path costs what Lock did)
// records what its thread waits for, then follows the chain: the module's
// holder, if inside one of its callouts (Callout.Thread, valid while
// Depth > 0), the module that thread waits for, and so on. Reaching the
// calling thread again is a cycle: this call fails instead of waiting, so
// its host function gets an exception, and the thread that would have
// completed the cycle is always the one that sees it (edges are recorded and
// followed under one lock). A holder running guest code, or waiting for a
// module nobody in the chain holds, is ordinary contention: the call waits.
var waits struct {
	sync.Mutex
	on map[uint64]*Module // thread -> the module whose lock it waits for
}

// lockCall takes m's call lock for a call that is not re-entrant (see
// Callout.reentrant), or fails if waiting would deadlock. A closed
// module's calls fail at once, without waiting for a call that may be
// blocked in a host function; one that took the lock as Close was asked
// releases the module (the caller then finds m.dead set).
func (m *Module) lockCall() *errs.Error {
	if m.closing() {
		return m.closedError()
	}
	if !m.mu.TryLock() {
		if err := m.waitLock(); err != nil {
			return err
		}
	}
	if m.closing() {
		m.release()
	}
	return nil
}

// deadLocked releases the module if Close was asked and returns m.dead;
// the caller holds m.mu.
func (m *Module) deadLocked() *errs.Error {
	if m.closing() {
		m.release()
	}
	return m.dead
}

func (m *Module) waitLock() *errs.Error {
	self := ThreadID()
	waits.Lock()
	if err := m.wouldDeadlock(self); err != nil {
		waits.Unlock()
		return err
	}
	if waits.on == nil {
		waits.on = map[uint64]*Module{}
	}
	waits.on[self] = m
	waits.Unlock()
	m.mu.Lock()
	waits.Lock()
	delete(waits.on, self)
	waits.Unlock()
	return nil
}

// wouldDeadlock follows the wait-for chain from m (waits is locked).
func (m *Module) wouldDeadlock(self uint64) *errs.Error {
	chain := []string{m.cfg.displayName()}
	for cur := m; cur != nil && len(chain) <= len(waits.on)+1; {
		if atomic.LoadInt32(&cur.host.calls.Depth) == 0 {
			return nil // its holder runs guest code: it will be done
		}
		holder := atomic.LoadUint64(&cur.host.calls.Thread)
		if holder == self {
			return errs.Errorf(errs.ErrDeadlock, "gowasm: deadlock avoided: this call would wait forever for %s, held by another thread inside its host functions, "+
				"which waits in turn (%s) for a module this thread holds while it runs a host function. "+
				"Host functions on two threads call modules in opposite orders: call them in one order, or outside host functions",
				m.cfg.displayName(), strings.Join(chain, " -> ")+" -> this thread")
		}
		cur = waits.on[holder]
		if cur != nil {
			chain = append(chain, cur.cfg.displayName())
		}
	}
	return nil
}

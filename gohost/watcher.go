package main

/*
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The watcher: a thread of its own, outside Go's scheduler, that asks
// long-running guests to poll (see internal/engine/interrupt.go), and the
// SIGINT handler that counts Ctrl-C for them. Go cannot do either: while
// the garbage collector waits for a guest to stop the world, no goroutine
// runs, and Go must not run in a signal handler.

struct gw_watch { // engine.Watch
    volatile int32_t *flag;
    volatile uint32_t running;
    volatile uint32_t calls;
};

static size_t gw_watch_flag_offset(void) { return offsetof(struct gw_watch, flag); }
static size_t gw_watch_running_offset(void) { return offsetof(struct gw_watch, running); }
static size_t gw_watch_calls_offset(void) { return offsetof(struct gw_watch, calls); }

// The watcher's thread, lock and sleep: Win32's on Windows, POSIX's
// elsewhere. Ctrl-C (SIGINT, below) is counted only where there are
// POSIX signals; on Windows Ctrl-C is Python's alone.
#ifdef _WIN32
#include <windows.h>
static SRWLOCK gw_mu = SRWLOCK_INIT;
static void gw_lock(void) { AcquireSRWLockExclusive(&gw_mu); }
static void gw_unlock(void) { ReleaseSRWLockExclusive(&gw_mu); }
static void gw_sleep_ns(long ns) { Sleep((DWORD)(ns / 1000000L)); }
static void gw_rechain_sigint(void) {}
#else
#include <pthread.h>
#include <signal.h>
#include <time.h>
static pthread_mutex_t gw_mu = PTHREAD_MUTEX_INITIALIZER;
static void gw_lock(void) { pthread_mutex_lock(&gw_mu); }
static void gw_unlock(void) { pthread_mutex_unlock(&gw_mu); }
static void gw_sleep_ns(long ns) {
    struct timespec tick = {ns / 1000000000L, ns % 1000000000L};
    nanosleep(&tick, NULL);
}
static void gw_rechain_sigint(void);
#endif

static long gw_tick_ns; // how long a call runs before it is asked to poll (engine.WatchTick)

static struct gw_watch **gw_watches;
static uint32_t *gw_seen; // calls seen at the last tick, per watch
static size_t gw_n, gw_cap;
uint32_t gw_sigints; // SIGINTs seen (read by Go through engine.Sigints; not static: cgo takes its address)
static uint32_t gw_sigints_seen;

static void gw_watch_add(struct gw_watch *w) {
    gw_lock();
    if (gw_n == gw_cap) {
        size_t cap = gw_cap ? 2 * gw_cap : 64;
        struct gw_watch **ws = realloc(gw_watches, cap * sizeof *ws);
        uint32_t *seen = realloc(gw_seen, cap * sizeof *seen);
        if (ws) gw_watches = ws;
        if (seen) gw_seen = seen;
        if (!ws || !seen) { gw_unlock(); return; } // unwatched: still runs, only not stopped
        gw_cap = cap;
    }
    gw_watches[gw_n] = w;
    gw_seen[gw_n] = w->calls - 1;
    gw_n++;
    gw_unlock();
}

// After gw_watch_remove returns, the watcher never touches w again.
static void gw_watch_remove(struct gw_watch *w) {
    gw_lock();
    for (size_t i = 0; i < gw_n; i++) {
        if (gw_watches[i] == w) {
            gw_n--;
            gw_watches[i] = gw_watches[gw_n];
            gw_seen[i] = gw_seen[gw_n];
            break;
        }
    }
    gw_unlock();
}

static void gw_watch_tick(void) {
    // Idle (no module) it wakes ten times a second only.
    gw_sleep_ns(gw_n ? gw_tick_ns : 10 * gw_tick_ns);
    gw_rechain_sigint();
    gw_lock();
    uint32_t sigints = __atomic_load_n(&gw_sigints, __ATOMIC_RELAXED);
    int sigint = sigints != gw_sigints_seen;
    gw_sigints_seen = sigints;
    for (size_t i = 0; i < gw_n; i++) {
        struct gw_watch *w = gw_watches[i];
        uint32_t calls = __atomic_load_n(&w->calls, __ATOMIC_RELAXED);
        int running = __atomic_load_n(&w->running, __ATOMIC_RELAXED);
        // A call seen running at two ticks, or any on Ctrl-C, polls.
        if (running && w->flag && (sigint || calls == gw_seen[i]))
            __atomic_store_n(w->flag, 1, __ATOMIC_RELAXED); // any nonzero value asks for a poll
        gw_seen[i] = calls;
    }
    gw_unlock();
}

#ifdef _WIN32
static DWORD WINAPI gw_watcher(LPVOID arg) {
    for (;;) gw_watch_tick();
    return 0;
}

static int gw_watcher_start(long tick_ns) {
    gw_tick_ns = tick_ns;
    HANDLE t = CreateThread(NULL, 0, gw_watcher, NULL, 0, NULL);
    if (t == NULL) return (int)GetLastError();
    CloseHandle(t);
    return 0;
}
#else
static void *gw_watcher(void *arg) {
    for (;;) gw_watch_tick();
    return NULL;
}

// SIGINT: count it for the guests, then do what was done before (Python's
// handler, which raises KeyboardInterrupt in its main thread). Whoever sets
// a handler later (Python's signal.signal, as IPython kernels do for each
// cell) replaces this one; the watcher then chains it again, within a tick.
// The previous handler is kept in two slots, the handler reading the one
// gw_prev_i names, so that the watcher never writes what a handler reads.
static struct sigaction gw_prev[2];
static int gw_prev_i;

static void gw_on_sigint(int sig, siginfo_t *info, void *ctx) {
    struct sigaction *prev = &gw_prev[__atomic_load_n(&gw_prev_i, __ATOMIC_ACQUIRE)];
    if (!(prev->sa_flags & SA_SIGINFO) && prev->sa_handler == SIG_IGN) return;
    __atomic_add_fetch(&gw_sigints, 1, __ATOMIC_RELAXED);
    if (prev->sa_flags & SA_SIGINFO) {
        prev->sa_sigaction(sig, info, ctx);
    } else if (prev->sa_handler == SIG_DFL) {
        // Default: die of SIGINT, as the process would have.
        sigaction(SIGINT, prev, NULL);
        raise(SIGINT);
    } else {
        prev->sa_handler(sig);
    }
}

static void gw_install_sigint(const struct sigaction *prev) {
    int next = 1 - __atomic_load_n(&gw_prev_i, __ATOMIC_ACQUIRE);
    gw_prev[next] = *prev;
    __atomic_store_n(&gw_prev_i, next, __ATOMIC_RELEASE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = gw_on_sigint;
    // SA_ONSTACK: Go's runtime requires it of handlers that may run on its threads.
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

static void gw_rechain_sigint(void) {
    struct sigaction cur;
    if (sigaction(SIGINT, NULL, &cur) != 0) return;
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == gw_on_sigint) return;
    // Ignored: leave it so (Ctrl-C then stops no guest). A handler in its
    // place would also undo the ignoring for the programs this process
    // execs, which inherit SIG_IGN but not a handler.
    if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN) return;
    gw_install_sigint(&cur);
}

static int gw_watcher_start(long tick_ns) {
    gw_tick_ns = tick_ns;
    gw_rechain_sigint();
    // The watcher gets no signals: they belong to the embedder's threads.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int rc = pthread_create(&t, NULL, gw_watcher, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) pthread_detach(t);
    return rc;
}
#endif
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/engine"
)

var watcherOnce sync.Once

// startWatcher starts the watcher thread and chains the SIGINT handler,
// once; mainThread is the thread Ctrl-C stops calls on (Python's main).
func startWatcher(mainThread uint64) error {
	var w engine.Watch
	if uintptr(C.gw_watch_flag_offset()) != unsafe.Offsetof(w.Flag) ||
		uintptr(C.gw_watch_running_offset()) != unsafe.Offsetof(w.Running) ||
		uintptr(C.gw_watch_calls_offset()) != unsafe.Offsetof(w.Calls) {
		return fmt.Errorf("gowasm: struct gw_watch and engine.Watch disagree")
	}
	engine.MainThread.Store(mainThread)
	var err error
	watcherOnce.Do(func() {
		engine.Sigints = (*uint32)(unsafe.Pointer(&C.gw_sigints))
		if rc := C.gw_watcher_start(C.long(engine.WatchTick.Nanoseconds())); rc != 0 {
			err = fmt.Errorf("gowasm: starting the interrupt watcher failed (%d)", rc)
			return
		}
		engine.SetWatcher(engine.WatchFuncs{
			Add:    func(w *engine.Watch) { C.gw_watch_add((*C.struct_gw_watch)(unsafe.Pointer(w))) },
			Remove: func(w *engine.Watch) { C.gw_watch_remove((*C.struct_gw_watch)(unsafe.Pointer(w))) },
		})
	})
	return err
}

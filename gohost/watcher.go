package main

/*
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The watcher: a thread of its own, outside Go's scheduler, that asks
// long-running guests to poll (see internal/host/interrupt.go), and the
// SIGINT handler that counts Ctrl-C for them. Go cannot do either: while
// the garbage collector waits for a guest to stop the world, no goroutine
// runs, and Go must not run in a signal handler.

struct gw_watch { // host.Watch
    volatile int32_t *flag;
    volatile uint32_t running;
    volatile uint32_t calls;
};

static size_t gw_watch_flag_offset(void) { return offsetof(struct gw_watch, flag); }
static size_t gw_watch_running_offset(void) { return offsetof(struct gw_watch, running); }
static size_t gw_watch_calls_offset(void) { return offsetof(struct gw_watch, calls); }

#ifdef _WIN32
// No C watcher on Windows yet: startWatcher runs the Go one (which cannot
// get through a stop-the-world waiting for a guest), and Ctrl-C is Python's.
static void gw_watch_add(struct gw_watch *w) {}
static void gw_watch_remove(struct gw_watch *w) {}
static int gw_watcher_start(long tick_ns) { return 0; }
uint32_t gw_sigints;
#else
#include <pthread.h>
#include <signal.h>
#include <time.h>

static long gw_tick_ns; // how long a call runs before it is asked to poll (host.WatchTick)

static pthread_mutex_t gw_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gw_watch **gw_watches;
static uint32_t *gw_seen; // calls seen at the last tick, per watch
static size_t gw_n, gw_cap;
uint32_t gw_sigints; // SIGINTs seen (read by Go through host.Sigints; not static: cgo takes its address)
static uint32_t gw_sigints_seen;
static void gw_rechain_sigint(void);

static void gw_watch_add(struct gw_watch *w) {
    pthread_mutex_lock(&gw_mu);
    if (gw_n == gw_cap) {
        size_t cap = gw_cap ? 2 * gw_cap : 64;
        struct gw_watch **ws = realloc(gw_watches, cap * sizeof *ws);
        uint32_t *seen = realloc(gw_seen, cap * sizeof *seen);
        if (ws) gw_watches = ws;
        if (seen) gw_seen = seen;
        if (!ws || !seen) { pthread_mutex_unlock(&gw_mu); return; } // unwatched: still runs, only not stopped
        gw_cap = cap;
    }
    gw_watches[gw_n] = w;
    gw_seen[gw_n] = w->calls - 1;
    gw_n++;
    pthread_mutex_unlock(&gw_mu);
}

// After gw_watch_remove returns, the watcher never touches w again.
static void gw_watch_remove(struct gw_watch *w) {
    pthread_mutex_lock(&gw_mu);
    for (size_t i = 0; i < gw_n; i++) {
        if (gw_watches[i] == w) {
            gw_n--;
            gw_watches[i] = gw_watches[gw_n];
            gw_seen[i] = gw_seen[gw_n];
            break;
        }
    }
    pthread_mutex_unlock(&gw_mu);
}

static void *gw_watcher(void *arg) {
    for (;;) {
        // Idle (no module) it wakes ten times a second only.
        long ns = gw_n ? gw_tick_ns : 10 * gw_tick_ns;
        struct timespec tick = {ns / 1000000000L, ns % 1000000000L};
        nanosleep(&tick, NULL);
        gw_rechain_sigint();
        pthread_mutex_lock(&gw_mu);
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
        pthread_mutex_unlock(&gw_mu);
    }
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
	"runtime"
	"sync"
	"unsafe"

	"github.com/gowasm/gowasm/gohost/internal/host"
)

var watcherOnce sync.Once

// startWatcher starts the watcher thread and chains the SIGINT handler,
// once; mainThread is the thread Ctrl-C stops calls on (Python's main).
func startWatcher(mainThread uint64) error {
	var w host.Watch
	if uintptr(C.gw_watch_flag_offset()) != unsafe.Offsetof(w.Flag) ||
		uintptr(C.gw_watch_running_offset()) != unsafe.Offsetof(w.Running) ||
		uintptr(C.gw_watch_calls_offset()) != unsafe.Offsetof(w.Calls) {
		return fmt.Errorf("gowasm: struct gw_watch and host.Watch disagree")
	}
	host.MainThread.Store(mainThread)
	var err error
	watcherOnce.Do(func() {
		host.Sigints = (*uint32)(unsafe.Pointer(&C.gw_sigints))
		if runtime.GOOS == "windows" {
			host.StartGoWatcher(host.WatchTick)
			return
		}
		if rc := C.gw_watcher_start(C.long(host.WatchTick.Nanoseconds())); rc != 0 {
			err = fmt.Errorf("gowasm: starting the interrupt watcher failed (%d)", rc)
			return
		}
		host.SetWatcher(host.WatchFuncs{
			Add:    func(w *host.Watch) { C.gw_watch_add((*C.struct_gw_watch)(unsafe.Pointer(w))) },
			Remove: func(w *host.Watch) { C.gw_watch_remove((*C.struct_gw_watch)(unsafe.Pointer(w))) },
		})
	})
	return err
}

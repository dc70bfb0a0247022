package engine

import (
	"crypto/rand"
	"io"
	"math"
	"os"
	"strings"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/sandbox"
	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
)

// moduleConfig is the guest's WASI view of the world, from the caller's
// configuration: argv, environment, stdio streams, mounted directories,
// clocks and randomness.
//
// stderr also goes to tail, so a trap can quote a panic (see stderrTail);
// the guest package's panic message for the host goes only there.
//
// The mounts' directories it opens are added to roots, for the module to
// close when it is freed.
func (c Config) moduleConfig(start []string, calls *Callout, tail *stderrTail, roots *[]*os.Root) (wazero.ModuleConfig, error) {
	mc := wazero.NewModuleConfig().
		WithStdin(readerFor(c.Stdin, calls)).
		WithStdout(writerFor(c.Stdout, calls)).
		WithStderr(io.MultiWriter(tail, withoutPanicMarks{writerFor(c.Stderr, calls)})).
		WithStartFunctions(start...)
	if len(c.Args) > 0 {
		mc = mc.WithArgs(c.Args...)
	}
	for _, kv := range c.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, errs.Errorf(errs.ErrUsage, "gowasm: bad environment entry %q: want KEY=value", kv)
		}
		mc = mc.WithEnv(k, v)
	}
	if !c.Deterministic {
		// Real time and randomness, as a program expects: Go's time.Now()
		// must be now. wazero's defaults are fake, for reproducibility.
		mc = mc.WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader)
	}
	if len(c.Mounts) > 0 {
		fsc := wazero.NewFSConfig()
		for _, m := range c.Mounts {
			fs, err := sandbox.NewFS(m)
			if err != nil {
				return nil, err
			}
			*roots = append(*roots, sandbox.RootOf(fs))
			guest := m.Guest
			if guest == "" {
				guest = "/"
			}
			fsc = fsc.(sysfs.FSConfig).WithSysFSMount(fs, guest)
		}
		mc = mc.WithFSConfig(fsc)
	}
	return mc, nil
}

// wasiSleep is poll_oneoff's sleep: in slices of at most a watcher tick,
// after each of which the call stops if asked (timeout, Close, Ctrl-C).
// The guest's own interrupt checks do not run while Go sleeps for it, and
// a guest may ask for centuries. Deterministic guests' sleep is wazero's
// fake one, which returns at once.
func (m *Module) wasiSleep(sys wazerointernal.Clocks, ns int64) {
	if m.cfg.Deterministic {
		sys.Nanosleep(ns)
		return
	}
	end := monotonic() + ns
	if end < 0 { // overflowed: as long as can be
		end = math.MaxInt64
	}
	for {
		left := end - monotonic()
		if left <= 0 {
			return
		}
		sys.Nanosleep(min(left, int64(WatchTick)))
		m.stopIfAsked()
	}
}

package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/sandbox"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
)

// Config is how a caller configures a module. It crosses the C ABI as JSON so
// that options can be added (WASI args, env, mounts, limits, timeouts) without
// changing any function's signature.
type Config struct {
	// Name names the module in messages (e.g. the file it came from).
	Name string `json:"name"`
	// CacheDir selects the compilation cache: "" for the process-wide
	// in-memory cache only, or a directory for a persistent cache shared by
	// processes.
	CacheDir string `json:"cache_dir"`
	// StrictImports makes a missing import fail at load instead of being
	// satisfied by a stub that fails when called.
	StrictImports bool `json:"strict_imports"`
	// Stdout and Stderr are output stream ids handed back to the output
	// callback; 0 discards the output. Stdin is an input stream id handed to
	// the input callback; 0 reads as end of file.
	Stdout uint64 `json:"stdout"`
	Stderr uint64 `json:"stderr"`
	Stdin  uint64 `json:"stdin"`

	// Args are the guest's argv, program name first.
	Args []string `json:"args"`
	// Env holds "KEY=value" entries, in order; nothing of the host's is
	// visible unless the caller passes it.
	Env []string `json:"env"`
	// Mounts are the host directories the guest sees; nothing else is.
	Mounts []sandbox.Mount `json:"mounts"`
	// HostFuncs are the embedder's functions for imports, which take
	// precedence over everything gowasm would provide.
	HostFuncs []HostFunc `json:"host_functions"`
	// Deterministic replaces the real clocks and randomness with wazero's
	// fake ones (for reproducible tests).
	Deterministic bool `json:"deterministic"`
	// Timeout is how long, in seconds, each call (for run: the program)
	// may run before it is stopped; 0 means no limit.
	Timeout float64 `json:"timeout"`
	// MemoryLimit caps each of the module's memories, in bytes (rounded down
	// to 64 KiB pages): memory.grow past it fails (-1 in the guest). 0 means
	// the default, one page below 4 GiB.
	MemoryLimit uint64 `json:"memory_limit"`
	// NoInterrupts leaves the module uninstrumented: it runs without the
	// checks that stop it (timeouts, Ctrl-C, close during a call), which
	// cost up to ~2.8x on tight loops, 1.0-1.3x on fib or sha256 (see
	// RATIONALE.md, "Stopping guests").
	NoInterrupts bool `json:"no_interrupts"`
}

// memoryPages is the page limit of each memory: MemoryLimit's, if lower
// than the default.
func (c Config) memoryPages() uint32 {
	if c.MemoryLimit > 0 && c.MemoryLimit>>16 < memoryLimitPages {
		return uint32(c.MemoryLimit >> 16)
	}
	return memoryLimitPages
}

// timeout is Timeout as a duration.
func (c Config) timeout() time.Duration { return seconds(c.Timeout) }

// seconds is a timeout in seconds (checked: 0 to MaxTimeout) as a
// duration, 0 meaning none. A positive one under a nanosecond is 1 ns,
// not 0: rounded down, it would mean none and lift every deadline.
func seconds(s float64) time.Duration {
	if d := time.Duration(s * float64(time.Second)); d > 0 || s <= 0 {
		return d
	}
	return 1
}

// ParseConfig decodes the JSON configuration; empty input means defaults.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if len(data) == 0 {
		return c, nil
	}
	// Unknown fields are refused: a key misspelt by the embedder would
	// otherwise be dropped in silence, and its option never applied.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, errs.Errorf(errs.ErrUsage, "gowasm: bad module configuration: %v", err)
	}
	if dec.More() {
		return c, errs.Errorf(errs.ErrUsage, "gowasm: bad module configuration: data after the JSON object")
	}
	return c, c.validate()
}

// MaxTimeout is the largest timeout, in seconds, a config or a call takes
// (gowasm.h's GOWASM_MAX_TIMEOUT): a deadline past it would overflow.
const MaxTimeout = 1_000_000_000

// validate refuses a timeout that is no number of seconds and, before any
// guest code runs, what wazero only refuses when the module is
// instantiated, as a failure of its start function (a trap, to the
// caller): a NUL byte in an argument or environment entry, which WASI
// hands to the guest as NUL-terminated C strings.
func (c Config) validate() error {
	if c.Timeout < 0 || c.Timeout != c.Timeout || c.Timeout > MaxTimeout {
		return errs.Errorf(errs.ErrUsage, "gowasm: the timeout must be a number of seconds above 0 (or 0 for none), not %v", c.Timeout)
	}
	for i, a := range c.Args {
		if strings.IndexByte(a, 0) >= 0 {
			return errs.Errorf(errs.ErrUsage, "gowasm: the guest's argv[%d] %q contains a NUL byte, which WASI cannot pass (the guest gets C strings); remove it", i, a)
		}
	}
	for _, kv := range c.Env {
		if strings.IndexByte(kv, 0) >= 0 {
			return errs.Errorf(errs.ErrUsage, "gowasm: the guest's environment entry %q contains a NUL byte, which WASI cannot pass (the guest gets C strings); remove it", kv)
		}
	}
	return nil
}

func (c Config) displayName() string {
	if c.Name == "" {
		return "<module>"
	}
	return fmt.Sprintf("%q", c.Name)
}

// maxTableEntries is how many entries the module's tables may hold
// together: memory_limit's worth of 8-byte entries, or
// DefaultMaxTableEntries without one.
func (c Config) maxTableEntries() uint64 {
	if c.MemoryLimit > 0 {
		return c.MemoryLimit / wasmbin.TableEntryBytes
	}
	return wasmbin.DefaultMaxTableEntries
}

package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/sandbox"
	"github.com/gowasm/gowasm/gohost/internal/testkit"
	"github.com/gowasm/gowasm/gohost/internal/wasip1"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// TestWASIFuzz calls every function of WASI preview 1, as gowasm links it,
// with random arguments (chosen by what each parameter is: descriptors
// that are stdio, mounts, open files or closed; paths that climb out,
// follow symlinks out, or are malformed; buffers in and out of memory;
// flags, rights, offsets and times at their extremes) from a guest with
// two mounts, one read-only, beside a directory it must not reach. No call
// may trap (a Go panic in a WASI function kills the module) other than
// proc_exit, nothing outside the read-write mount may change, and nothing
// outside the mounts may be read into the guest's memory.
//
// The seed is fixed ($GOWASM_WASI_FUZZ_SEED changes it) and the run is
// 20,000 calls, about a second ($GOWASM_WASI_FUZZ_SECONDS for a longer
// one); a failure names the seed, the call and its arguments.
func TestWASIFuzz(t *testing.T) {
	seed := envInt(t, "GOWASM_WASI_FUZZ_SEED", 1)
	seconds := envInt(t, "GOWASM_WASI_FUZZ_SECONDS", 0)
	z := newWASIFuzzer(t, seed)
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	calls := 0
	for calls < 20000 || time.Now().Before(deadline) {
		z.epoch(200)
		calls += 200
	}
	t.Logf("seed %d: %d calls in %d modules, %d distinct failures; succeeded: %v", seed, calls, z.modules, len(z.failures), z.succeeded)
	// The arguments must reach what they attack, not only fail checks.
	for _, name := range []string{"path_open", "fd_read", "fd_write", "fd_pread", "fd_pwrite", "fd_readdir",
		"path_readlink", "path_rename", "path_link", "path_symlink", "path_filestat_set_times",
		"fd_filestat_set_times", "fd_renumber", "fd_close", "poll_oneoff"} {
		if z.succeeded[name] == 0 && testkit.UnderWine() && (name == "path_readlink" || name == "path_symlink") {
			// Wine 8 makes no symlink: os.Root.Symlink answers "Request not
			// supported" there in a plain Go program too.
			t.Logf("no call of %s succeeded: Wine makes no symlinks", name)
		} else if z.succeeded[name] == 0 {
			t.Errorf("no call of %s succeeded: the arguments miss what they should reach", name)
		}
	}
	keys := make([]string, 0, len(z.failures))
	for k := range z.failures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s\n  first seen: %s", k, z.failures[k])
	}
}

// TestWASIStdioTimes: fd_filestat_set_times on stdin, stdout and stderr
// (whose wazero files set no times and have no filesystem to fall back
// to: wazero's function dereferenced a nil one) is an errno, not a trap;
// so are the other descriptor functions on them.
func TestWASIStdioTimes(t *testing.T) {
	z := newWASIFuzzer(t, 1)
	z.reset()
	defer z.m.Free()
	for fd := uint64(0); fd < 3; fd++ {
		for _, flags := range []uint64{0, uint64(wasip1.FstflagAtim | wasip1.FstflagMtim), uint64(wasip1.FstflagAtimNow | wasip1.FstflagMtimNow)} {
			errno, err := z.call("fd_filestat_set_times", fd, 1e9, 2e9, flags)
			if err != nil {
				t.Fatalf("fd_filestat_set_times(%d, flags %d): %v", fd, flags, err)
			}
			if errno != uint64(wasip1.ErrnoBadf) && errno != uint64(wasip1.ErrnoNosys) && errno != uint64(wasip1.ErrnoNotcapable) {
				t.Fatalf("fd_filestat_set_times(%d, flags %d): errno %d, want EBADF, ENOSYS or ENOTCAPABLE", fd, flags, errno)
			}
		}
		for _, c := range []struct {
			name string
			args []uint64
		}{
			{"fd_filestat_set_size", []uint64{fd, 0}},
			{"fd_allocate", []uint64{fd, 0, 10}},
			{"fd_advise", []uint64{fd, 0, 10, 0}},
			{"fd_datasync", []uint64{fd}},
			{"fd_sync", []uint64{fd}},
			{"fd_readdir", []uint64{fd, 1024, 256, 0, 2048}},
			{"fd_seek", []uint64{fd, 0, 1, 2048}},
			{"fd_tell", []uint64{fd, 2048}},
			{"fd_filestat_get", []uint64{fd, 2048}},
		} {
			if _, err := z.call(c.name, c.args...); err != nil {
				t.Fatalf("%s(%v): %v", c.name, c.args, err)
			}
		}
	}
}

func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("$%s: %v", name, err)
	}
	return n
}

// wasiFuzzer is a guest that imports every WASI function and exports each
// as w_<name>, and the directories it is given: root/mnt (mounted at /),
// root/ro (mounted read-only at /ro) and root/outside (not mounted).
type wasiFuzzer struct {
	t         *testing.T
	rng       *rand.Rand
	defs      []api.FunctionDefinition
	open      api.FunctionDefinition // path_open
	wasm      []byte
	root      string
	m         *Module
	funcs     map[string]*Func
	paths     [][2]uint32 // offset and length of each path in memory
	modules   int
	failures  map[string]string
	succeeded map[string]int // calls that answered 0, by function
	before    string         // what must not change: root's names, ro/ and outside/
}

// The layout of the guest's memory: paths, arrays of iovecs, poll
// subscriptions, then buffers and results.
const (
	fuzzMemSize = 2 << 16
	fuzzIovs    = 4096
	fuzzSubs    = 8192
	fuzzScratch = 12288
)

// Markers the guest must never read: the contents of a file outside the
// mounts and the name of another.
const (
	fuzzSecret      = "GOWASM-FUZZ-SECRET-CONTENTS-7f3a"
	fuzzOutsideName = "GOWASM-FUZZ-OUTSIDE-NAME-91c2"
)

func newWASIFuzzer(t *testing.T, seed int64) *wasiFuzzer {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	byName := rt.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions()
	z := &wasiFuzzer{t: t, rng: rand.New(rand.NewSource(seed)), root: testkit.TempDir(t),
		failures: map[string]string{}, succeeded: map[string]int{}}
	for _, d := range byName {
		z.defs = append(z.defs, d)
	}
	sort.Slice(z.defs, func(i, j int) bool { return z.defs[i].Name() < z.defs[j].Name() })
	z.open = byName["path_open"]
	z.wasm = wasiFuzzModule(z.defs)
	outside := filepath.Join(z.root, "outside")
	for _, d := range []string{"mnt", "ro", "ro/rd", "outside", "outside/dir"} {
		must(t, os.Mkdir(filepath.Join(z.root, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte(fuzzSecret), 0o644))
	must(t, os.WriteFile(filepath.Join(outside, fuzzOutsideName), []byte("x"), 0o644))
	must(t, os.WriteFile(filepath.Join(z.root, "ro", "r"), []byte("read only"), 0o644))
	must(t, os.Symlink("../outside", filepath.Join(z.root, "ro", "rlink")))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(z.root, "ro", "rabs")))
	z.before = z.snapshot()
	return z
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot describes what the guest must not change: the names in root,
// and everything under ro/ and outside/ (names, modes, sizes, times,
// contents).
func (z *wasiFuzzer) snapshot() string {
	var b strings.Builder
	entries, _ := os.ReadDir(z.root)
	for _, e := range entries {
		b.WriteString(e.Name() + "\n")
	}
	for _, d := range []string{"ro", "outside"} {
		filepath.WalkDir(filepath.Join(z.root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", p, err)
				return nil
			}
			fi, err := os.Lstat(p)
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", p, err)
				return nil
			}
			fmt.Fprintf(&b, "%s %v %d %d", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
			if fi.Mode().IsRegular() {
				data, _ := os.ReadFile(p)
				fmt.Fprintf(&b, " %x", sha256.Sum256(data))
			}
			b.WriteString("\n")
			return nil
		})
	}
	return b.String()
}

// reset makes a new guest over a fresh mnt/: files, a directory, and
// symlinks out (relative, absolute, to a file, to a directory), one that
// loops and one that dangles.
func (z *wasiFuzzer) reset() {
	t := z.t
	mnt := filepath.Join(z.root, "mnt")
	os.Chmod(mnt, 0o755)
	filepath.WalkDir(mnt, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			os.Chmod(p, 0o755) // (the guest cannot chmod; a reset must still clear everything)
		}
		return nil
	})
	must(t, testkit.RemoveAll(mnt))
	must(t, os.MkdirAll(filepath.Join(mnt, "d", "e"), 0o755))
	must(t, os.WriteFile(filepath.Join(mnt, "a"), []byte("hello"), 0o644))
	must(t, os.WriteFile(filepath.Join(mnt, "d", "f"), []byte("in d"), 0o644))
	for name, target := range map[string]string{
		"link_out":    "../outside",
		"link_secret": "../outside/secret",
		"abs_secret":  filepath.Join(z.root, "outside", "secret"),
		"abs_out":     filepath.Join(z.root, "outside"),
		"link_a":      "a",
		"loop":        "loop",
		"dangling":    "../outside/new",
		"d/up":        "../../outside",
	} {
		must(t, os.Symlink(target, filepath.Join(mnt, name)))
	}
	m, err := NewModule(z.wasm, Config{
		Name: "wasi-fuzz",
		// Every other guest has the real clocks, randomness and sleep
		// (poll_oneoff's clocks are below a microsecond) and stdio
		// streams (with no embedder: discarded, and EOF).
		Deterministic: z.modules%2 == 0,
		Stdin:         uint64(z.modules % 2),
		Stdout:        uint64(z.modules % 2),
		Stderr:        uint64(z.modules % 2),
		Args:          []string{"fuzz", "arg"},
		Env:           []string{"K=v"},
		Mounts:        []sandbox.Mount{{Host: mnt, Guest: "/"}, {Host: filepath.Join(z.root, "ro"), Guest: "/ro", ReadOnly: true}},
	})
	must(t, err)
	z.m = m
	z.modules++
	z.funcs = map[string]*Func{}
	for _, d := range z.defs {
		z.funcs[d.Name()] = funcNamed(m, "w_"+d.Name())
	}
}

// fuzzPaths are the paths the guest passes: inside, out by "..", by
// symlinks, absolute, malformed, long. The first fuzzPlainPaths are plain
// names inside, which exist or can be created.
const fuzzPlainPaths = 8

var fuzzPaths = []string{
	"a", "d", "d/f", "d/e", "new", "d/new", "n2", "d/n3", "a/", "d/", ".", "..", "/", "", "./a", "d/../a",
	"../outside/secret", "../outside", "../../", "d/../../outside", "/etc/passwd", "//a",
	"link_out", "link_out/secret", "link_out/dir", "link_secret", "abs_secret", "abs_out",
	"abs_out/secret", "link_a", "loop", "loop/x", "dangling", "d/up", "d/up/secret",
	"ro", "ro/r", "ro/rd", "ro/rlink", "ro/rlink/secret", "ro/rabs", "ro/..", "r", "rd",
	"rlink", "rlink/secret", "rabs", "a\x00b", "/proc/self/root", "/proc/self/cwd",
	strings.Repeat("x", 300), strings.Repeat("d/", 200) + "f", "d/e/../../../outside",
}

// writeMemory lays out paths, iovecs and poll subscriptions (the guest's
// calls may have written over them).
func (z *wasiFuzzer) writeMemory() {
	mem := z.m.inst.Memory()
	z.paths = z.paths[:0]
	off := uint32(0)
	for _, p := range fuzzPaths {
		if off+uint32(len(p)) > fuzzIovs {
			break
		}
		mem.WriteString(off, p)
		z.paths = append(z.paths, [2]uint32{off, uint32(len(p))})
		off += uint32(len(p))
	}
	// Random bytes as a path too.
	junk := make([]byte, 32)
	z.rng.Read(junk)
	mem.Write(fuzzIovs-32, junk)
	z.paths = append(z.paths, [2]uint32{fuzzIovs - 32, uint32(1 + z.rng.Intn(32))})
	// Eight arrays of four iovecs.
	for i := uint32(0); i < 32; i++ {
		ptr := fuzzScratch + uint32(z.rng.Intn(fuzzMemSize-fuzzScratch))
		n := uint32(z.rng.Intn(512))
		switch z.rng.Intn(10) {
		case 0:
			ptr, n = fuzzMemSize-uint32(z.rng.Intn(16)), uint32(z.rng.Intn(64))
		case 1:
			n = uint32(z.rng.Int63())
		}
		mem.WriteUint32Le(fuzzIovs+8*i, ptr)
		mem.WriteUint32Le(fuzzIovs+8*i+4, n)
	}
	// Four subscriptions: clocks (short relative timeouts, other clock
	// ids and flags) and descriptors.
	for i := uint32(0); i < 4; i++ {
		sub := make([]byte, 48)
		z.rng.Read(sub)
		sub[8] = byte(z.rng.Intn(4))
		switch sub[8] {
		case wasip1.EventtypeClock:
			binary.LittleEndian.PutUint32(sub[16:], uint32(z.rng.Intn(5)))
			binary.LittleEndian.PutUint64(sub[24:], uint64(z.rng.Intn(1000)))
			binary.LittleEndian.PutUint16(sub[40:], uint16(z.rng.Intn(3)))
		case wasip1.EventtypeFdRead, wasip1.EventtypeFdWrite:
			binary.LittleEndian.PutUint32(sub[16:], uint32(z.fd()))
		}
		mem.Write(fuzzSubs+48*i, sub)
	}
}

// fd picks a descriptor: mostly the read-write mount (3), what the guest
// opened (5 on), stdio and the read-only mount (4), sometimes one never
// open or out of range.
func (z *wasiFuzzer) fd() uint32 {
	switch r := z.rng.Intn(20); {
	case r < 7:
		return 3
	case r < 13:
		return uint32(5 + z.rng.Intn(5))
	case r < 17:
		return uint32(z.rng.Intn(5))
	case r < 18:
		return uint32(10 + z.rng.Intn(40))
	case r < 19:
		return []uint32{math.MaxUint32, math.MaxInt32, 1 << 31, 1024, 65536}[z.rng.Intn(5)]
	}
	return z.rng.Uint32()
}

func (z *wasiFuzzer) pointer() uint32 {
	switch z.rng.Intn(10) {
	case 0:
		return fuzzMemSize - uint32(z.rng.Intn(64))
	case 1:
		return []uint32{0, math.MaxUint32, math.MaxUint32 - 7, fuzzMemSize, 1 << 31}[z.rng.Intn(5)]
	case 2:
		return z.rng.Uint32()
	}
	return fuzzScratch + uint32(z.rng.Intn(fuzzMemSize-fuzzScratch-1024))&^7
}

func (z *wasiFuzzer) length() uint32 {
	switch z.rng.Intn(10) {
	case 0:
		return z.rng.Uint32()
	case 1:
		return []uint32{math.MaxUint32, 1 << 31, fuzzMemSize, fuzzMemSize + 1}[z.rng.Intn(4)]
	}
	return uint32(z.rng.Intn(600))
}

func (z *wasiFuzzer) i64() uint64 {
	switch z.rng.Intn(8) {
	case 0:
		return z.rng.Uint64()
	case 1:
		return []uint64{math.MaxUint64, math.MaxInt64, 1 << 63, 1 << 40, math.MaxInt64 - 1, 1<<63 + 1}[z.rng.Intn(6)]
	case 2:
		return 0
	case 3:
		return uint64(z.rng.Intn(3)) // whence-like
	}
	return uint64(z.rng.Intn(1 << 16))
}

func (z *wasiFuzzer) flags() uint32 {
	switch z.rng.Intn(10) {
	case 0:
		return z.rng.Uint32()
	case 1, 2:
		return uint32(z.rng.Intn(256))
	}
	return uint32(z.rng.Intn(16))
}

// args chooses arguments for def, by parameter name.
func (z *wasiFuzzer) args(def api.FunctionDefinition) []uint64 {
	names, types := def.ParamNames(), def.ParamTypes()
	args := make([]uint64, len(names))
	for i := 0; i < len(names); i++ {
		name := names[i]
		hasLen := i+1 < len(names) && names[i+1] == name+"_len"
		switch {
		case name == "fd" || name == "old_fd" || name == "new_fd" || name == "to":
			args[i] = uint64(z.fd())
		case (name == "path" || name == "old_path" || name == "new_path") && hasLen:
			p := z.paths[z.rng.Intn(len(z.paths))]
			if z.rng.Intn(10) < 7 { // one of the first, plain names, which exist or can be made
				p = z.paths[z.rng.Intn(fuzzPlainPaths)]
			}
			args[i], args[i+1] = uint64(p[0]), uint64(p[1])
			switch z.rng.Intn(20) {
			case 0:
				args[i+1] = uint64(z.length())
			case 1:
				args[i] = uint64(z.pointer())
			}
			i++
		case (name == "iovs" || name == "si_data" || name == "ri_data") && hasLen:
			args[i] = uint64(fuzzIovs + 32*z.rng.Intn(8))
			args[i+1] = uint64(z.rng.Intn(5))
			switch z.rng.Intn(10) {
			case 0:
				args[i+1] = uint64(z.length())
			case 1:
				args[i] = uint64(z.pointer())
			}
			i++
		case name == "in":
			args[i] = fuzzSubs
			if z.rng.Intn(10) == 0 {
				args[i] = uint64(z.pointer())
			}
		case name == "nsubscriptions":
			args[i] = uint64(1 + z.rng.Intn(4))
			if z.rng.Intn(10) == 0 {
				args[i] = uint64(z.length())
			}
		case name == "dirflags" || name == "old_flags" || (name == "flags" && strings.HasPrefix(def.Name(), "path_")):
			args[i] = uint64(z.rng.Intn(2)) // lookup flags: follow symlinks or not
			if z.rng.Intn(10) == 0 {
				args[i] = uint64(z.flags())
			}
		case types[i] == api.ValueTypeI64:
			args[i] = z.i64()
		case strings.HasPrefix(name, "result.") && !strings.HasSuffix(name, "_len"),
			name == "buf", name == "out", name == "argv", name == "argv_buf", name == "environ", name == "environ_buf":
			args[i] = uint64(z.pointer())
		case strings.HasSuffix(name, "_len"):
			args[i] = uint64(z.length())
		default:
			args[i] = uint64(z.flags())
		}
	}
	return args
}

// call calls WASI function name with args, returning its errno or the
// call's error.
func (z *wasiFuzzer) call(name string, args ...uint64) (uint64, error) {
	f := z.funcs[name]
	stack := make([]uint64, max(len(args), 1))
	copy(stack, args)
	if err := Call(f.handle, stack); err != nil {
		return 0, err
	}
	return stack[0], nil
}

// epoch makes n random calls on a fresh guest and checks nothing outside
// changed, and that the guest's files left the process-wide count once
// its module closed.
func (z *wasiFuzzer) epoch(n int) {
	held := sandbox.GuestFiles.Load()
	z.reset()
	defer func() {
		z.m.Free()
		if now := sandbox.GuestFiles.Load(); now != held {
			z.fail("files counted in guestFiles after their module closed", fmt.Sprintf("%d, want %d", now, held))
		}
	}()
	for i := 0; i < n; i++ {
		def := z.defs[z.rng.Intn(len(z.defs))]
		if z.rng.Intn(8) == 0 { // (most opens fail: open often, for files to work on)
			def = z.open
		}
		if def.Name() == "proc_exit" && z.rng.Intn(50) != 0 {
			continue
		}
		z.writeMemory()
		args := z.args(def)
		errno, err := z.call(def.Name(), args...)
		if err == nil && errno == 0 {
			z.succeeded[def.Name()]++
		}
		what := fmt.Sprintf("%s(%v)", def.Name(), args)
		if err != nil {
			e := AsError(err)
			if def.Name() == "proc_exit" && e.Code == errs.ErrExit {
				z.m.Free()
				z.reset()
				continue
			}
			z.fail(fmt.Sprintf("%s: code %d: %s", def.Name(), e.Code, firstLine(e.Msg)), what)
			z.m.Free()
			z.reset()
			continue
		}
		mem, _ := z.m.inst.Memory().Read(0, fuzzMemSize)
		if bytes.Contains(mem, []byte(fuzzSecret)) || bytes.Contains(mem, []byte(fuzzOutsideName)) {
			z.fail(def.Name()+": read from outside the mounts into the guest's memory", what)
			z.m.Free()
			z.reset()
		}
	}
	if now := z.snapshot(); now != z.before {
		z.fail("something outside the read-write mount changed", fmt.Sprintf("before:\n%s\nafter:\n%s", z.before, now))
		z.before = now
	}
}

func (z *wasiFuzzer) fail(key, what string) {
	if _, ok := z.failures[key]; !ok {
		z.failures[key] = what
	}
}

// wasiFuzzModule is a module that imports each of defs from
// wasi_snapshot_preview1 and exports a function w_<name> that passes its
// arguments on, and its memory (two pages).
func wasiFuzzModule(defs []api.FunctionDefinition) []byte {
	str := func(s string) []byte { return append(leb128(len(s)), s...) }
	vec := func(items [][]byte) []byte {
		out := leb128(len(items))
		for _, it := range items {
			out = append(out, it...)
		}
		return out
	}
	section := func(id byte, content []byte) []byte {
		return append(append([]byte{id}, leb128(len(content))...), content...)
	}
	valtypes := func(ts []api.ValueType) []byte { return append(leb128(len(ts)), ts...) }
	var types, imports, funcs, exports, code [][]byte
	n := len(defs)
	exports = append(exports, append(str("memory"), 0x02, 0x00))
	for i, d := range defs {
		types = append(types, append(append([]byte{0x60}, valtypes(d.ParamTypes())...), valtypes(d.ResultTypes())...))
		imports = append(imports, append(append(str("wasi_snapshot_preview1"), str(d.Name())...), append([]byte{0x00}, leb128(i)...)...))
		funcs = append(funcs, leb128(i))
		exports = append(exports, append(append(str("w_"+d.Name()), 0x00), leb128(n+i)...))
		body := []byte{0x00}
		for j := range d.ParamTypes() {
			body = append(append(body, 0x20), leb128(j)...)
		}
		body = append(append(append(body, 0x10), leb128(i)...), 0x0b)
		code = append(code, append(leb128(len(body)), body...))
	}
	out := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	out = append(out, section(1, vec(types))...)
	out = append(out, section(2, vec(imports))...)
	out = append(out, section(3, vec(funcs))...)
	out = append(out, section(5, []byte{0x01, 0x00, 0x02})...)
	out = append(out, section(7, vec(exports))...)
	return append(out, section(10, vec(code))...)
}

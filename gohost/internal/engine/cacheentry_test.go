//go:build unix

package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/compile"
	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
)

// Damaged compilation cache entries. wazero's entry carries a CRC of the
// machine code and nothing over the rest (the function offsets, the
// counts), and reads whatever file has the entry's name: each case below
// writes a module's entry, damages it, and loads the module from that
// cache in a new process (this test binary run again with
// damagedEntryEnv set), where it killed the process, hung, or ran other
// code. The load must run the module's own code and leave a good entry.

// damagedEntryEnv names, for the child, the cache directory to load from
// and the module to load ("<dir>|<k>").
const damagedEntryEnv = "GOWASM_TEST_DAMAGED_ENTRY"

// abModule exports a(x) = x + k and b(x) = x * (k + 10): two functions
// whose results tell them, and different k's modules, apart.
func abModule(k byte) []byte {
	sec := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, leb128(len(body))...), body...)
	}
	a := []byte{0x00, 0x20, 0x00, 0x41, k, 0x6a, 0x0b}      // local.get 0; i32.const k; i32.add
	b := []byte{0x00, 0x20, 0x00, 0x41, k + 10, 0x6c, 0x0b} // local.get 0; i32.const k+10; i32.mul
	code := []byte{2}
	code = append(append(code, leb128(len(a))...), a...)
	code = append(append(code, leb128(len(b))...), b...)
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = append(out, sec(1, []byte{1, 0x60, 1, 0x7f, 1, 0x7f})...)
	out = append(out, sec(3, []byte{2, 0, 0})...)
	out = append(out, sec(7, []byte{2, 1, 'a', 0, 0, 1, 'b', 0, 1})...)
	return append(out, sec(10, code)...)
}

// abWant is what a(2) and b(2) of abModule(k) return.
func abWant(k int) string { return fmt.Sprintf("a(2)=%d b(2)=%d", 2+k, 2*(k+10)) }

func abCall(t *testing.T, m *Module) string {
	t.Helper()
	var got [2]int64
	for i, name := range []string{"a", "b"} {
		args := [4]uint64{2}
		raw, typ, err := CallFast(funcNamed(m, name).handle, &args, 1, 0, ResultInt)
		if err != nil {
			t.Fatalf("%s(2): %v", name, err)
		}
		got[i] = DecodeInt(raw, typ)
	}
	return fmt.Sprintf("a(2)=%d b(2)=%d", got[0], got[1])
}

// TestDamagedEntryChild is the child's half: it loads abModule(k) from
// the damaged cache and checks what a and b return.
func TestDamagedEntryChild(t *testing.T) {
	arg := os.Getenv(damagedEntryEnv)
	if arg == "" {
		t.Skip("run by TestDamagedCacheEntries in a new process")
	}
	dir, ks, _ := strings.Cut(arg, "|")
	k, _ := strconv.Atoi(ks)
	m, err := NewModule(abModule(byte(k)), Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if got, want := abCall(t, m), abWant(k); got != want {
		t.Fatalf("ran other code: %s, want %s", got, want)
	}
}

// loadInChild loads abModule(k) from dir in a new process.
func loadInChild(t *testing.T, dir string, k int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDamagedEntryChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", damagedEntryEnv, dir, k))
	out, err := cmd.CombinedOutput()
	if len(out) > 3000 {
		out = out[:3000]
	}
	if ctx.Err() != nil {
		t.Fatalf("the load did not finish in 30 s:\n%s", out)
	}
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestDamagedEntryChild")) {
		t.Fatalf("the load in a new process failed (%v):\n%s", err, out)
	}
}

var entryName = regexp.MustCompile(`^[0-9a-f]{64}$`)

// cacheEntryFiles lists the compiled-code entries under a cache directory
// (files named by a key in a wazero-<version>-<arch>-<os> directory).
func cacheEntryFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && entryName.MatchString(d.Name()) && strings.HasPrefix(filepath.Base(filepath.Dir(path)), "wazero-") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// writeEntry loads abModule(k) with a new cache directory (in this
// process, then forgetting the engine as a new process would) and
// returns the directory, its one entry's path, and the entry's bytes.
func writeEntry(t *testing.T, k int) (dir, entry string, orig []byte) {
	t.Helper()
	dir = t.TempDir()
	m, err := NewModule(abModule(byte(k)), Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	got := abCall(t, m)
	m.Free()
	compile.Caches.Lock()
	delete(compile.Caches.Dirs, dir)
	compile.Caches.Unlock()
	if got != abWant(k) {
		t.Fatalf("the test module: %s, want %s", got, abWant(k))
	}
	entries := cacheEntryFiles(t, dir)
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	orig, err = os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	return dir, entries[0], orig
}

// entryLayout finds the parts of wazero v1.12.0's entry format
// (wazevo/engine_cache.go, serializeCompiledModule): the function count's
// position, the offsets' (8 bytes each), and the catch-table count's.
func entryLayout(t *testing.T, b []byte) (countAt, offsetsAt, catchAt int) {
	t.Helper()
	countAt = 6 + 1 + int(b[6])
	offsetsAt = countAt + 4
	n := int(binary.LittleEndian.Uint32(b[countAt:]))
	execAt := offsetsAt + 8*n + 8
	at := execAt + int(binary.LittleEndian.Uint64(b[execAt-8:])) + 4 // the code, its CRC
	if b[at] == 1 {                                                  // a source map
		at += 8 + 16*int(binary.LittleEndian.Uint64(b[at+1:]))
	}
	return countAt, offsetsAt, at + 1
}

func TestDamagedCacheEntries(t *testing.T) {
	edit := func(f func(t *testing.T, b []byte) []byte) func(t *testing.T, dir, entry string, b []byte) {
		return func(t *testing.T, dir, entry string, b []byte) {
			if err := os.WriteFile(entry, f(t, bytes.Clone(b)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	replace := func(f func(entry string) error) func(t *testing.T, dir, entry string, b []byte) {
		return func(t *testing.T, dir, entry string, b []byte) {
			if err := os.Remove(entry); err != nil {
				t.Fatal(err)
			}
			if err := f(entry); err != nil {
				t.Skip(err)
			}
		}
	}
	cases := []struct {
		name   string
		damage func(t *testing.T, dir, entry string, b []byte)
	}{
		{"a changed function offset", edit(func(t *testing.T, b []byte) []byte {
			_, offsets, _ := entryLayout(t, b)
			binary.LittleEndian.PutUint64(b[offsets:], binary.LittleEndian.Uint64(b[offsets:])+3)
			return b
		})},
		{"two swapped offsets", edit(func(t *testing.T, b []byte) []byte {
			_, offsets, _ := entryLayout(t, b)
			a, c := bytes.Clone(b[offsets:offsets+8]), bytes.Clone(b[offsets+8:offsets+16])
			copy(b[offsets:], c)
			copy(b[offsets+8:], a)
			return b
		})},
		{"a huge function count", edit(func(t *testing.T, b []byte) []byte {
			count, _, _ := entryLayout(t, b)
			binary.LittleEndian.PutUint32(b[count:], 0xFFFFFFF0)
			return b
		})},
		{"a huge catch-table count", edit(func(t *testing.T, b []byte) []byte {
			_, _, catch := entryLayout(t, b)
			binary.LittleEndian.PutUint32(b[catch:], 0xFFFFFFF0)
			return b
		})},
		{"a short offset table", edit(func(t *testing.T, b []byte) []byte {
			// One function fewer, the file otherwise consistent.
			count, offsets, _ := entryLayout(t, b)
			binary.LittleEndian.PutUint32(b[count:], 1)
			return append(b[:offsets+8], b[offsets+16:]...)
		})},
		{"a cut offset table", edit(func(t *testing.T, b []byte) []byte {
			_, offsets, _ := entryLayout(t, b)
			return b[:offsets+4]
		})},
		{"an empty file", edit(func(t *testing.T, b []byte) []byte { return nil })},
		{"a FIFO", replace(func(entry string) error { return syscall.Mkfifo(entry, 0o600) })},
		{"a directory", replace(func(entry string) error { return os.Mkdir(entry, 0o700) })},
		{"a symlink to a good copy", func(t *testing.T, dir, entry string, b []byte) {
			elsewhere := filepath.Join(t.TempDir(), "entry")
			if err := os.WriteFile(elsewhere, b, 0o600); err != nil {
				t.Fatal(err)
			}
			replace(func(entry string) error { return os.Symlink(elsewhere, entry) })(t, dir, entry, b)
		}},
		{"a symlink to a FIFO", func(t *testing.T, dir, entry string, b []byte) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip(err)
			}
			replace(func(entry string) error { return os.Symlink(fifo, entry) })(t, dir, entry, b)
		}},
		{"a sparse 64 GiB file", func(t *testing.T, dir, entry string, b []byte) {
			if err := os.Truncate(entry, 64<<30); err != nil {
				t.Skip(err)
			}
		}},
		{"wazero's own entry (no digest)", edit(func(t *testing.T, b []byte) []byte {
			return b[:len(b)-compile.EntryTrailerSize]
		})},
		{"an entry with its digest that wazero panics on", func(t *testing.T, dir, entry string, b []byte) {
			// Written by a wazero with a bug, or forged: no code, and a
			// source map into it (an index out of range in wazero).
			_, offsets, _ := entryLayout(t, b)
			head := binary.LittleEndian.AppendUint64(bytes.Clone(b[:offsets+16]), 0)
			tail := binary.LittleEndian.AppendUint64([]byte{1}, 1)
			tail = append(tail, make([]byte, 16+4)...)
			key, err := hex.DecodeString(filepath.Base(entry))
			if err != nil {
				t.Fatal(err)
			}
			forged := append(append(append(head, tail...), compile.EntryTag...), compile.EntryDigest([32]byte(key), head, tail)...)
			if err := os.WriteFile(entry, forged, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"another module's entry", func(t *testing.T, dir, entry string, b []byte) {
			// Same shape, other constants: wazero's checks all pass.
			_, _, other := writeEntry(t, 2)
			if err := os.WriteFile(entry, other, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, entry, orig := writeEntry(t, 1)
			c.damage(t, dir, entry, orig)
			loadInChild(t, dir, 1)
			fi, err := os.Lstat(entry)
			if err != nil {
				t.Fatalf("the entry was not written again: %v", err)
			}
			if !fi.Mode().IsRegular() {
				t.Fatalf("the entry was not written again: it is %v", fi.Mode())
			}
			if now, _ := os.ReadFile(entry); !bytes.Equal(now, orig) {
				t.Fatalf("the entry was not written again (%d bytes, was %d)", len(now), len(orig))
			}
			loadInChild(t, dir, 1) // and it is good
		})
	}
}

// TestCacheEntryCheckEnabled fails when a wazero upgrade leaves gowasm
// unable to check cache entries: loads then use no disk cache.
func TestCacheEntryCheckEnabled(t *testing.T) {
	if m := wazerointernal.FileCacheMirror(); !m.OK {
		t.Fatalf("cache entries cannot be checked: %s", m.Why)
	}
	dir := t.TempDir()
	c, err := compile.CheckedCompilationCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if compile.CheckedCache(dir) == nil {
		t.Fatalf("%s's entries are not checked (%T)", dir, c)
	}
}

// TestUncheckableEntriesNotUsed: where gowasm cannot check entries (another
// wazero), loads use no disk cache rather than wazero's unchecked one.
func TestUncheckableEntriesNotUsed(t *testing.T) {
	m := wazerointernal.FileCacheMirror()
	saved := *m
	m.OK, m.Why = false, "as with another wazero"
	defer func() { *m = saved }()
	dir := t.TempDir()
	mod, err := NewModule(abModule(1), Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Free()
	if got := abCall(t, mod); got != abWant(1) {
		t.Fatal(got)
	}
	if entries := cacheEntryFiles(t, dir); len(entries) != 0 {
		t.Fatalf("unchecked entries were written: %v", entries)
	}
}

// TestEntryChangedAfterCheck: what wazero reads of a checked entry is what
// was checked, but for the code, which wazero checks against the CRC (that
// the digest covers): an entry rewritten in place after the check (by
// the same user) is refused all the same.
func TestEntryChangedAfterCheck(t *testing.T) {
	_, entry, orig := writeEntry(t, 1)
	_, _, other := writeEntry(t, 2)
	if len(other) != len(orig) {
		t.Skip("the two modules' entries differ in size")
	}
	key, err := hex.DecodeString(filepath.Base(entry))
	if err != nil {
		t.Fatal(err)
	}
	c := &compile.EntryCache{Dir: filepath.Dir(entry)}
	r, ok, err := c.Get([32]byte(key))
	if !ok || err != nil {
		t.Fatalf("the good entry was refused: %v", err)
	}
	defer r.Close()
	if err := os.WriteFile(entry, other, 0o600); err != nil { // in place: the same file
		t.Fatal(err)
	}
	read, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	body := orig[:len(orig)-compile.EntryTrailerSize]
	headSize, codeSize, _ := compile.EntrySplit(body, int64(len(body)))
	if !bytes.Equal(read[:headSize], body[:headSize]) || !bytes.Equal(read[headSize+codeSize:], body[headSize+codeSize:]) {
		t.Fatal("the head or tail wazero reads is not the one checked")
	}
	code, crc := read[headSize:headSize+codeSize], binary.LittleEndian.Uint32(read[headSize+codeSize:])
	if !bytes.Equal(code, body[headSize:headSize+codeSize]) && crc32.Checksum(code, crc32.MakeTable(crc32.Castagnoli)) == crc {
		t.Fatal("changed code passes the checked CRC")
	}
}

//go:build unix

package host

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Another local user is played by uid 65534 (nobody): files are given to it
// with chown, which needs root.
const otherUID = 65534

func giveAway(t *testing.T, paths ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	for _, p := range paths {
		if err := os.Lchown(p, otherUID, otherUID); err != nil {
			t.Skip(err)
		}
	}
}

// giveGroup gives path to group gid, keeping its owner.
func giveGroup(t *testing.T, path string, gid int) {
	t.Helper()
	if err := os.Lchown(path, -1, gid); err != nil {
		t.Skip(err)
	}
}

// ruleBase is a new temporary directory for a test of the cache rule,
// with no symbolic link in its path. Its parents must pass the rule
// themselves (/tmp is sticky; TMPDIR elsewhere may not be), or the test
// skips.
func ruleBase(t *testing.T) string {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if p := ancestorsProblem(filepath.Join(base, "x")); p != "" {
		t.Skipf("the test directory itself fails the rule: %s", p)
	}
	return base
}

// mkdirMode makes dir with exactly mode (no umask).
func mkdirMode(t *testing.T, dir string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCacheDirRule(t *testing.T) {
	own := ownSubdir()
	cases := []struct {
		name  string
		setup func(t *testing.T, base string) (asked string)
		// want is the chosen directory relative to base ("" for none);
		// problem a part of the reason given when there is none.
		want, problem string
	}{
		{"private", func(t *testing.T, base string) string {
			return mkdirMode(t, filepath.Join(base, "c"), 0o700)
		}, "c", ""},
		{"made by gowasm", func(t *testing.T, base string) string {
			return filepath.Join(base, "new", "c")
		}, "new/c", ""},
		{"sticky and world-writable, like /tmp", func(t *testing.T, base string) string {
			return mkdirMode(t, filepath.Join(base, "shared"), 0o777|os.ModeSticky)
		}, "shared/" + own, ""},
		{"group-writable, by another group", func(t *testing.T, base string) string {
			d := mkdirMode(t, filepath.Join(base, "g"), 0o770)
			giveGroup(t, d, otherUID)
			return d
		}, "", "can be written to by other users (mode 0770, group 65534)"},
		{"group-writable, by the user's private group (umask 002)", func(t *testing.T, base string) string {
			if !ownGroup(os.Getegid()) {
				t.Skip("this user has no private group")
			}
			return mkdirMode(t, filepath.Join(mkdirMode(t, filepath.Join(base, "home"), 0o775), "c"), 0o770)
		}, "home/c", ""},
		{"under a directory another group can write to", func(t *testing.T, base string) string {
			d := mkdirMode(t, filepath.Join(base, "g"), 0o775)
			giveGroup(t, d, otherUID)
			return mkdirMode(t, filepath.Join(d, "c"), 0o700)
		}, "", "can be written to by its group (gid 65534) and has no sticky bit"},
		{"another user's, and closed to you", func(t *testing.T, base string) string {
			d := mkdirMode(t, filepath.Join(base, "theirs"), 0o755)
			giveAway(t, d)
			return d
		}, "", "belongs to another user (uid 65534"},
		{"another user's gowasm-<uid> made first in a shared directory", func(t *testing.T, base string) string {
			d := mkdirMode(t, filepath.Join(base, "shared"), 0o777|os.ModeSticky)
			planted := mkdirMode(t, filepath.Join(d, own), 0o777)
			giveAway(t, planted)
			return d
		}, "", "belongs to another user"},
		{"a symbolic link made first in a shared directory, to a directory of another user", func(t *testing.T, base string) string {
			shared := mkdirMode(t, filepath.Join(base, "tmp"), 0o777|os.ModeSticky)
			theirs := mkdirMode(t, filepath.Join(base, "theirs"), 0o777)
			link := filepath.Join(shared, "cache")
			if err := os.Symlink(theirs, link); err != nil {
				t.Fatal(err)
			}
			giveAway(t, theirs, link)
			return link
		}, "", "it is a symbolic link another user (uid 65534) made"},
		{"a symbolic link another user made in a shared directory, to a directory of yours", func(t *testing.T, base string) string {
			shared := mkdirMode(t, filepath.Join(base, "tmp"), 0o777|os.ModeSticky)
			yours := mkdirMode(t, filepath.Join(base, "yours"), 0o700)
			link := filepath.Join(shared, "cache")
			if err := os.Symlink(yours, link); err != nil {
				t.Fatal(err)
			}
			giveAway(t, link)
			return link
		}, "", "it is a symbolic link another user (uid 65534) made"},
		{"a symbolic link of yours to your own directory", func(t *testing.T, base string) string {
			real := mkdirMode(t, filepath.Join(base, "real"), 0o700)
			link := filepath.Join(base, "link")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "real", ""},
		{"under a directory anyone can rename in", func(t *testing.T, base string) string {
			open := mkdirMode(t, filepath.Join(base, "open"), 0o777)
			return mkdirMode(t, filepath.Join(open, "c"), 0o700)
		}, "", "has no sticky bit"},
		{"under a directory of another user", func(t *testing.T, base string) string {
			theirs := mkdirMode(t, filepath.Join(base, "theirs"), 0o755)
			c := mkdirMode(t, filepath.Join(theirs, "c"), 0o700)
			giveAway(t, theirs)
			return c
		}, "", "above it belongs to another user"},
		{"with wazero's subdirectory made by another user", func(t *testing.T, base string) string {
			c := mkdirMode(t, filepath.Join(base, "c"), 0o700)
			planted := mkdirMode(t, filepath.Join(c, "wazero-v1.12.0-amd64-linux"), 0o755)
			giveAway(t, planted)
			return c
		}, "c/" + own, ""},
		{"with a marker directory others can write to", func(t *testing.T, base string) string {
			c := mkdirMode(t, filepath.Join(base, "c"), 0o700)
			mkdirMode(t, validatedDir(c), 0o777)
			return c
		}, "c/" + own, ""},
		{"a file", func(t *testing.T, base string) string {
			f := filepath.Join(base, "f")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}, "", "cannot be created"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := ruleBase(t)
			asked := c.setup(t, base)
			got := chooseCacheDir(asked)
			want := ""
			if c.want != "" {
				want = filepath.Join(base, c.want)
			}
			if got.Dir != want {
				t.Fatalf("chose %q (problem %q), want %q", got.Dir, got.Problem, want)
			}
			if want == "" && !strings.Contains(got.Problem, c.problem) {
				t.Fatalf("the reason %q does not say %q", got.Problem, c.problem)
			}
			if want != "" {
				if p := ownDirProblem(want); p != "" {
					t.Fatalf("the chosen directory %s %s", want, p)
				}
				if got.Problem != "" {
					t.Fatalf("a problem reported for a directory used: %s", got.Problem)
				}
			}
		})
	}
}

// TestCacheDirProbeLeavesNothing: checking that a directory can be written
// to leaves no file behind.
func TestCacheDirProbeLeavesNothing(t *testing.T) {
	d := t.TempDir()
	if got := chooseCacheDir(d); got.Dir == "" {
		t.Skip(got.Problem)
	}
	entries, _ := os.ReadDir(d)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestPlantedCacheEntryNotRun is the attack: another user makes wazero's
// subdirectory of a shared cache directory first and puts compiled code in
// it under the name a module's own code would have. Loading the module
// with that directory must run the module's own code (here: the code of a
// module that returns 2, planted as that of one returning 1).
func TestPlantedCacheEntryNotRun(t *testing.T) {
	one, two := constModule(1), constModule(2)
	oneName, _ := cacheEntryOf(t, one)
	_, twoCode := cacheEntryOf(t, two)

	shared := mkdirMode(t, filepath.Join(t.TempDir(), "shared"), 0o777|os.ModeSticky)
	planted := filepath.Join(shared, oneName)
	mkdirMode(t, filepath.Dir(planted), 0o755)
	if err := os.WriteFile(planted, forgedEntry(t, twoCode, oneName), 0o644); err != nil {
		t.Fatal(err)
	}
	giveAway(t, filepath.Dir(planted), planted)

	m, err := NewModule(one, Config{CacheDir: shared, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if got := callConst(t, m); got != 1 {
		t.Fatalf("f() = %d: the process ran the code another user planted", got)
	}
}

// constModule is a module exporting f() -> i32 returning n (n < 64).
func constModule(n byte) []byte {
	return []byte{
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
		0x03, 0x02, 0x01, 0x00, // one function of type 0
		0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00, // export "f"
		0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, n, 0x0b, // body: i32.const n
	}
}

func callConst(t *testing.T, m *Module) int64 {
	t.Helper()
	var args [4]uint64
	raw, typ, err := CallFast(funcNamed(m, "f").handle, &args, 0, 0, ResultInt)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeInt(raw, typ)
}

// TestCacheDirRecheckedAfterItIsReplaced: the choice of a directory is kept
// for the process, but what it relied on can go away. gowasm's own
// gowasm-<uid> in a shared directory like /tmp is removed (by a cleaner of
// old files in /tmp, or by the user told to remove it), and another user,
// who may make new names in /tmp, makes it again with compiled code of
// their own in it. A later load in the same process must not run it.
func TestCacheDirRecheckedAfterItIsReplaced(t *testing.T) {
	one, two, three := constModule(1), constModule(2), constModule(3)
	oneName, _ := cacheEntryOf(t, one)
	_, twoCode := cacheEntryOf(t, two)

	shared := mkdirMode(t, filepath.Join(t.TempDir(), "shared"), 0o777|os.ModeSticky)
	m, err := NewModule(three, Config{CacheDir: shared, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
	own := filepath.Join(shared, ownSubdir())
	if got := UsableCacheDir(shared).Dir; got != own {
		t.Fatalf("chose %q, want %q", got, own)
	}

	if err := os.RemoveAll(own); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(own, oneName)
	mkdirMode(t, own, 0o755)
	mkdirMode(t, filepath.Dir(planted), 0o755)
	if err := os.WriteFile(planted, forgedEntry(t, twoCode, oneName), 0o644); err != nil {
		t.Fatal(err)
	}
	giveAway(t, own, filepath.Dir(planted), planted)

	m, err = NewModule(one, Config{CacheDir: shared, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	if got := callConst(t, m); got != 1 {
		t.Fatalf("f() = %d: the process ran the code another user planted", got)
	}
	if c := UsableCacheDir(shared); c.Dir != "" || !strings.Contains(c.Problem, "belongs to another user") {
		t.Fatalf("the replaced directory is still chosen: %+v", c)
	}
}

// cacheEntryOf compiles wasm with a cache directory of its own and returns
// its one compilation cache entry: the path relative to the directory, and
// the content.
func cacheEntryOf(t *testing.T, wasm []byte) (name string, content []byte) {
	t.Helper()
	dir := t.TempDir()
	m, err := NewModule(wasm, Config{CacheDir: dir, NoInterrupts: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Free()
	entries, _ := filepath.Glob(filepath.Join(dir, "wazero-*", "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	content, err = os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	name, _ = filepath.Rel(dir, entries[0])
	return name, content
}

// TestCacheDirNotMadeWhereItCannotBeUsed: a directory the rule would refuse
// is not made. sudo keeps HOME, so root asks for ~/.cache/gowasm in the
// invoking user's home: making it (and ~/.cache) left root's directories
// there, which that user cannot write to.
func TestCacheDirNotMadeWhereItCannotBeUsed(t *testing.T) {
	base := ruleBase(t)
	home := mkdirMode(t, filepath.Join(base, "home"), 0o755)
	team := mkdirMode(t, filepath.Join(base, "team"), 0o777|os.ModeSticky)
	giveAway(t, home, team)
	for _, in := range []struct{ theirs, asked string }{{home, ".cache/gowasm"}, {team, "cache"}} {
		asked := filepath.Join(in.theirs, in.asked)
		got := chooseCacheDir(asked)
		if got.Dir != "" || !strings.Contains(got.Problem, "belongs to another user (uid 65534)") {
			t.Fatalf("%s: chose %q (problem %q)", asked, got.Dir, got.Problem)
		}
		if entries, _ := os.ReadDir(in.theirs); len(entries) != 0 {
			t.Fatalf("%s: made a directory where it cannot be used: %v", asked, entries)
		}
	}
}

// forgedEntry is gowasm's cache entry entry (another module's) made into
// one for the entry name, as anyone can: its digest is no signature
// (cacheentry.go), so the name's key and the digest are all it takes.
func forgedEntry(t *testing.T, entry []byte, name string) []byte {
	t.Helper()
	key, err := hex.DecodeString(filepath.Base(name))
	if err != nil || len(key) != 32 {
		t.Fatalf("%s is not an entry's name", name)
	}
	entry = entry[:len(entry)-entryTrailerSize]
	headSize, codeSize, ok := entrySplit(entry, int64(len(entry)))
	if !ok {
		t.Fatal("not an entry")
	}
	digest := entryDigest([32]byte(key), entry[:headSize], entry[headSize+codeSize:])
	return append(append(append([]byte(nil), entry...), entryTag...), digest...)
}

// TestCacheDirUnwritableAtFirstLoad: a directory checked (written to) and
// then not writable when the process's first load with it comes (a disk
// that filled up, a directory made read-only; here, the user's own file
// where wazero makes its subdirectory) failed every load in the process
// ("cannot use cache directory"), where one that fails later costs
// nothing. The load compiles in memory instead.
func TestCacheDirUnwritableAtFirstLoad(t *testing.T) {
	dir := t.TempDir()
	if got := UsableCacheDir(dir); got.Dir != dir {
		t.Fatalf("chose %+v", got)
	}
	// wazero's subdirectory, named as wazero names it (its version is
	// "dev" in go test's binaries).
	name, _ := cacheEntryOf(t, constModule(5))
	if err := os.WriteFile(filepath.Join(dir, filepath.Dir(name)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		m, err := NewModule(constModule(4), Config{CacheDir: dir, NoInterrupts: true})
		if err != nil {
			t.Fatal(err)
		}
		got := callConst(t, m)
		m.Free()
		if got != 4 {
			t.Fatalf("f() = %d", got)
		}
	}
}

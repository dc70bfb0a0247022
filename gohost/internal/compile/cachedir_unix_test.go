//go:build unix

package compile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/testkit"
)

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

func TestCacheDirRule(t *testing.T) {
	own := OwnSubdir()
	cases := []struct {
		name  string
		setup func(t *testing.T, base string) (asked string)
		// want is the chosen directory relative to base ("" for none);
		// problem a part of the reason given when there is none.
		want, problem string
	}{
		{"private", func(t *testing.T, base string) string {
			return testkit.MkdirMode(t, filepath.Join(base, "c"), 0o700)
		}, "c", ""},
		{"made by gowasm", func(t *testing.T, base string) string {
			return filepath.Join(base, "new", "c")
		}, "new/c", ""},
		{"sticky and world-writable, like /tmp", func(t *testing.T, base string) string {
			return testkit.MkdirMode(t, filepath.Join(base, "shared"), 0o777|os.ModeSticky)
		}, "shared/" + own, ""},
		{"group-writable, by another group", func(t *testing.T, base string) string {
			d := testkit.MkdirMode(t, filepath.Join(base, "g"), 0o770)
			giveGroup(t, d, testkit.OtherUID)
			return d
		}, "", "can be written to by other users (mode 0770, group 65534)"},
		{"group-writable, by the user's private group (umask 002)", func(t *testing.T, base string) string {
			if !ownGroup(os.Getegid()) {
				t.Skip("this user has no private group")
			}
			return testkit.MkdirMode(t, filepath.Join(testkit.MkdirMode(t, filepath.Join(base, "home"), 0o775), "c"), 0o770)
		}, "home/c", ""},
		{"under a directory another group can write to", func(t *testing.T, base string) string {
			d := testkit.MkdirMode(t, filepath.Join(base, "g"), 0o775)
			giveGroup(t, d, testkit.OtherUID)
			return testkit.MkdirMode(t, filepath.Join(d, "c"), 0o700)
		}, "", "can be written to by its group (gid 65534) and has no sticky bit"},
		{"another user's, and closed to you", func(t *testing.T, base string) string {
			d := testkit.MkdirMode(t, filepath.Join(base, "theirs"), 0o755)
			testkit.GiveAway(t, d)
			return d
		}, "", "belongs to another user (uid 65534"},
		{"another user's gowasm-<uid> made first in a shared directory", func(t *testing.T, base string) string {
			d := testkit.MkdirMode(t, filepath.Join(base, "shared"), 0o777|os.ModeSticky)
			planted := testkit.MkdirMode(t, filepath.Join(d, own), 0o777)
			testkit.GiveAway(t, planted)
			return d
		}, "", "belongs to another user"},
		{"a symbolic link made first in a shared directory, to a directory of another user", func(t *testing.T, base string) string {
			shared := testkit.MkdirMode(t, filepath.Join(base, "tmp"), 0o777|os.ModeSticky)
			theirs := testkit.MkdirMode(t, filepath.Join(base, "theirs"), 0o777)
			link := filepath.Join(shared, "cache")
			if err := os.Symlink(theirs, link); err != nil {
				t.Fatal(err)
			}
			testkit.GiveAway(t, theirs, link)
			return link
		}, "", "it is a symbolic link another user (uid 65534) made"},
		{"a symbolic link another user made in a shared directory, to a directory of yours", func(t *testing.T, base string) string {
			shared := testkit.MkdirMode(t, filepath.Join(base, "tmp"), 0o777|os.ModeSticky)
			yours := testkit.MkdirMode(t, filepath.Join(base, "yours"), 0o700)
			link := filepath.Join(shared, "cache")
			if err := os.Symlink(yours, link); err != nil {
				t.Fatal(err)
			}
			testkit.GiveAway(t, link)
			return link
		}, "", "it is a symbolic link another user (uid 65534) made"},
		{"a symbolic link of yours to your own directory", func(t *testing.T, base string) string {
			real := testkit.MkdirMode(t, filepath.Join(base, "real"), 0o700)
			link := filepath.Join(base, "link")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "real", ""},
		{"under a directory anyone can rename in", func(t *testing.T, base string) string {
			open := testkit.MkdirMode(t, filepath.Join(base, "open"), 0o777)
			return testkit.MkdirMode(t, filepath.Join(open, "c"), 0o700)
		}, "", "has no sticky bit"},
		{"under a directory of another user", func(t *testing.T, base string) string {
			theirs := testkit.MkdirMode(t, filepath.Join(base, "theirs"), 0o755)
			c := testkit.MkdirMode(t, filepath.Join(theirs, "c"), 0o700)
			testkit.GiveAway(t, theirs)
			return c
		}, "", "above it belongs to another user"},
		{"with wazero's subdirectory made by another user", func(t *testing.T, base string) string {
			c := testkit.MkdirMode(t, filepath.Join(base, "c"), 0o700)
			planted := testkit.MkdirMode(t, filepath.Join(c, "wazero-v1.12.0-amd64-linux"), 0o755)
			testkit.GiveAway(t, planted)
			return c
		}, "c/" + own, ""},
		{"with a marker directory others can write to", func(t *testing.T, base string) string {
			c := testkit.MkdirMode(t, filepath.Join(base, "c"), 0o700)
			testkit.MkdirMode(t, ValidatedDir(c), 0o777)
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

// TestCacheDirNotMadeWhereItCannotBeUsed: a directory the rule would refuse
// is not made. sudo keeps HOME, so root asks for ~/.cache/gowasm in the
// invoking user's home: making it (and ~/.cache) left root's directories
// there, which that user cannot write to.
func TestCacheDirNotMadeWhereItCannotBeUsed(t *testing.T) {
	base := ruleBase(t)
	home := testkit.MkdirMode(t, filepath.Join(base, "home"), 0o755)
	team := testkit.MkdirMode(t, filepath.Join(base, "team"), 0o777|os.ModeSticky)
	testkit.GiveAway(t, home, team)
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

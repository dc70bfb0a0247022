//go:build unix

package sandbox

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// More attacks on a mount, each refused: the regression tests of a review
// that attacked the sandbox (see also TestMountRefusesEveryPathOut).

// outsideUnchanged fails the test if the outside directory of sandbox gained
// or lost an entry, or if outside_file.txt changed (content, mode, times,
// link count).
func outsideUnchanged(t *testing.T, outside string) func() {
	t.Helper()
	file := filepath.Join(outside, "outside_file.txt")
	dirBefore, err := os.Stat(outside)
	if err != nil {
		t.Fatal(err)
	}
	fileBefore, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	entriesBefore := names(t, outside)
	return func() {
		t.Helper()
		if got := names(t, outside); got != entriesBefore {
			t.Errorf("the outside directory's entries changed: %s -> %s", entriesBefore, got)
		}
		dirAfter, err := os.Stat(outside)
		if err != nil {
			t.Fatalf("the outside directory: %v", err)
		}
		if !dirAfter.ModTime().Equal(dirBefore.ModTime()) || dirAfter.Mode() != dirBefore.Mode() {
			t.Errorf("the outside directory changed: %v %v -> %v %v", dirBefore.ModTime(), dirBefore.Mode(), dirAfter.ModTime(), dirAfter.Mode())
		}
		fileAfter, err := os.Stat(file)
		if err != nil {
			t.Fatalf("the outside file: %v", err)
		}
		b, _ := os.ReadFile(file)
		if string(b) != "secret" || !fileAfter.ModTime().Equal(fileBefore.ModTime()) || fileAfter.Mode() != fileBefore.Mode() ||
			nlink(fileAfter) != nlink(fileBefore) {
			t.Errorf("the outside file changed: %q %v %v nlink %d -> %v %v nlink %d", b,
				fileBefore.ModTime(), fileBefore.Mode(), nlink(fileBefore), fileAfter.ModTime(), fileAfter.Mode(), nlink(fileAfter))
		}
	}
}

func names(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range entries {
		s = append(s, e.Name())
	}
	return strings.Join(s, ",")
}

func nlink(fi os.FileInfo) uint64 { return uint64(fi.Sys().(*syscall.Stat_t).Nlink) }

func symlinks(t *testing.T, dir string, links map[string]string) {
	t.Helper()
	for link, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
}

// Dangling symlinks that point out: creating through them (open with
// O_CREAT, with and without O_EXCL and O_NOFOLLOW, mkdir, symlink, link,
// rename) never makes anything outside.
func TestMountDanglingSymlinkOut(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	symlinks(t, mnt, map[string]string{
		"dangling":     "../outside_dir/new.txt",
		"dangling_abs": filepath.Join(outside, "new.txt"),
		"dangling_dir": "../outside_dir/newdir",
		"dangling_sub": "sub/../../outside_dir/new.txt",
	})
	check := outsideUnchanged(t, outside)
	for _, p := range []string{"dangling", "dangling_abs", "dangling_dir", "dangling_sub", "rel_link/new.txt", "abs_link/new.txt"} {
		for _, flag := range []experimentalsys.Oflag{
			experimentalsys.O_CREAT,
			experimentalsys.O_CREAT | experimentalsys.O_RDWR,
			experimentalsys.O_CREAT | experimentalsys.O_WRONLY | experimentalsys.O_TRUNC,
			experimentalsys.O_CREAT | experimentalsys.O_EXCL | experimentalsys.O_RDWR,
			experimentalsys.O_CREAT | experimentalsys.O_NOFOLLOW | experimentalsys.O_RDWR,
			experimentalsys.O_CREAT | experimentalsys.O_EXCL | experimentalsys.O_NOFOLLOW | experimentalsys.O_RDWR,
			experimentalsys.O_CREAT | experimentalsys.O_APPEND | experimentalsys.O_WRONLY,
		} {
			if f, errno := fsys.OpenFile(p, flag, 0o644); errno == 0 {
				f.Write([]byte("planted"))
				f.Close()
				t.Errorf("OpenFile(%q, %v) created through a link out", p, flag)
			}
		}
		for _, q := range []string{p, p + "/", p + "/x"} {
			if errno := fsys.Mkdir(q, 0o755); errno == 0 {
				t.Errorf("Mkdir(%q) succeeded", q)
			}
			if errno := fsys.Symlink("anything", q); errno == 0 {
				t.Errorf("Symlink(anything, %q) succeeded", q)
			}
			if errno := fsys.Link("inside.txt", q); errno == 0 {
				t.Errorf("Link(inside.txt, %q) succeeded", q)
			}
		}
	}
	check()
	// Renaming over a dangling link replaces the link itself, inside.
	if errno := fsys.Rename("inside.txt", "dangling"); errno != 0 {
		t.Fatalf("Rename over a dangling link: %v", errno)
	}
	if fi, err := os.Lstat(filepath.Join(mnt, "dangling")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("dangling after the rename: %v %v", fi, err)
	}
	check()
}

// Hard links: linking a symlink that points out links the symlink (linkat
// does not follow), so the new name is one more link that is refused when
// followed; the outside file gains no link.
func TestMountHardLinkThroughSymlinkOut(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	check := outsideUnchanged(t, outside)
	for i, old := range []string{"rel_link", "abs_link", "deep", "etc"} {
		hard := "hard" + string(rune('0'+i))
		if errno := fsys.Link(old, hard); errno != 0 {
			t.Fatalf("Link(%q): %v (linking the symlink itself is harmless)", old, errno)
		}
		if fi, err := os.Lstat(filepath.Join(mnt, hard)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("Link(%q) made %v, %v: want a symlink", old, fi, err)
		}
		if f, errno := fsys.OpenFile(hard, experimentalsys.O_RDONLY, 0); errno == 0 {
			f.Close()
			t.Errorf("the link %s made of %s opens", hard, old)
		}
		for _, p := range []string{old + "/", old + "/.", old + "/outside_file.txt", hard + "/outside_file.txt"} {
			if errno := fsys.Link(p, "stolen"); errno == 0 {
				t.Errorf("Link(%q) succeeded", p)
			}
		}
	}
	if _, err := os.Lstat(filepath.Join(mnt, "stolen")); err == nil {
		t.Error("stolen exists")
	}
	check()
}

// Trailing slashes on a symlink to an (empty) outside directory make the
// kernel follow it for most calls; rmdir, unlink and rename through the
// mount must not.
func TestMountTrailingSlashRemoveAndRename(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	empty := filepath.Join(filepath.Dir(outside), "outside_empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	symlinks(t, mnt, map[string]string{"empty_link": "../outside_empty", "empty_abs": empty})
	check := outsideUnchanged(t, outside)
	for _, p := range []string{"empty_link/", "empty_link//", "empty_abs/", "rel_link/", "empty_link/.", "sub/../empty_link/"} {
		if errno := fsys.Rmdir(p); errno == 0 {
			t.Errorf("Rmdir(%q) succeeded", p)
		}
		if errno := fsys.Unlink(p); errno == 0 {
			t.Errorf("Unlink(%q) succeeded", p)
		}
		if errno := fsys.Rename(p, "stolen"); errno == 0 {
			t.Errorf("Rename(%q, stolen) succeeded", p)
		}
		if errno := fsys.Rename(p, "stolen/"); errno == 0 {
			t.Errorf("Rename(%q, stolen/) succeeded", p)
		}
		if errno := fsys.Rename("sub", p); errno == 0 {
			t.Errorf("Rename(sub, %q) succeeded", p)
		}
		if errno := fsys.Chmod(p, 0o700); errno == 0 {
			t.Errorf("Chmod(%q) succeeded", p)
		}
		if errno := fsys.Utimens(p, 0, 0); errno == 0 {
			t.Errorf("Utimens(%q) succeeded", p)
		}
	}
	if fi, err := os.Stat(empty); err != nil || !fi.IsDir() || fi.ModTime().Unix() == 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("the outside empty directory: %v %v", fi, err)
	}
	if _, err := os.Lstat(filepath.Join(mnt, "stolen")); err == nil {
		t.Error("stolen exists")
	}
	check()
}

// The mount itself, ".", ".." and the empty path: no operation may act on
// the mount's parent, and removing or renaming the mount is refused.
func TestMountItselfAndDotDot(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	check := outsideUnchanged(t, outside)
	parent := filepath.Dir(mnt)
	parentBefore, _ := os.Stat(parent)
	for _, p := range []string{"", ".", "/", "./", "//", "sub/..", "./sub/../."} {
		if errno := fsys.Rmdir(p); errno == 0 {
			t.Errorf("Rmdir(%q) succeeded", p)
		}
		if errno := fsys.Unlink(p); errno == 0 {
			t.Errorf("Unlink(%q) succeeded", p)
		}
		if errno := fsys.Rename(p, "moved"); errno == 0 {
			t.Errorf("Rename(%q, moved) succeeded", p)
		}
		if errno := fsys.Rename("inside.txt", p); errno == 0 {
			t.Errorf("Rename(inside.txt, %q) succeeded", p)
		}
		if errno := fsys.Symlink("x", p); errno == 0 {
			t.Errorf("Symlink(x, %q) succeeded", p)
		}
		if errno := fsys.Link("inside.txt", p); errno == 0 {
			t.Errorf("Link(inside.txt, %q) succeeded", p)
		}
		// Stat of the mount is of the mount, never of its parent.
		if st, errno := fsys.Stat(p); errno != 0 || !sameIno(t, st.Ino, mnt) {
			t.Errorf("Stat(%q): %v %v, want the mount", p, st.Ino, errno)
		}
	}
	for _, p := range []string{"..", "../", "../.", "sub/../..", "/..", "rel_link/..", "rel_link/../..", "etc/.."} {
		if st, errno := fsys.Stat(p); errno == 0 && !sameIno(t, st.Ino, mnt) && !sameIno(t, st.Ino, filepath.Join(mnt, "sub")) {
			t.Errorf("Stat(%q) is of %d: outside the mount", p, st.Ino)
		}
		if st, errno := fsys.Lstat(p); errno == 0 && !sameIno(t, st.Ino, mnt) && !sameIno(t, st.Ino, filepath.Join(mnt, "sub")) {
			t.Errorf("Lstat(%q) is of %d: outside the mount", p, st.Ino)
		}
		if f, errno := fsys.OpenFile(p, experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0); errno == 0 {
			dirents, _ := f.Readdir(-1)
			ino, _ := f.Ino()
			f.Close()
			if !sameIno(t, ino, mnt) && !sameIno(t, ino, filepath.Join(mnt, "sub")) {
				t.Errorf("OpenFile(%q) lists %v: outside the mount", p, dirents)
			}
		}
		if errno := fsys.Rmdir(p); errno == 0 {
			t.Errorf("Rmdir(%q) succeeded", p)
		}
		if errno := fsys.Rename(p, "moved"); errno == 0 {
			t.Errorf("Rename(%q) succeeded", p)
		}
	}
	if _, err := os.Stat(mnt); err != nil {
		t.Fatal("the mount is gone")
	}
	if parentAfter, _ := os.Stat(parent); !parentAfter.ModTime().Equal(parentBefore.ModTime()) {
		t.Error("the mount's parent changed")
	}
	check()
}

func sameIno(t *testing.T, ino uint64, p string) bool {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino == ino
}

// Malformed paths: NUL bytes, invalid UTF-8, very long paths and names,
// many components, symlink loops and a symlink full of ".." are refused or
// work inside, quickly, without a crash.
func TestMountMalformedAndHugePaths(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	symlinks(t, mnt, map[string]string{
		"loop_a": "loop_b", "loop_b": "loop_a", "self": "self", "dot": ".",
		"dotdots": strings.Repeat("sub/../", 500) + "inside.txt",
		"updots":  strings.Repeat("../", 500) + strings.TrimPrefix(outside, "/") + "/outside_file.txt",
	})
	check := outsideUnchanged(t, outside)
	start := time.Now()
	for _, p := range []string{
		"inside.txt\x00", "inside.txt\x00../outside_dir/outside_file.txt", "\x00", "sub\x00/../..",
		"loop_a", "loop_a/x", "self", "self/", "updots",
		strings.Repeat("dot/", 2000) + "rel_link/outside_file.txt",
		strings.Repeat("a", 300),
		strings.Repeat("sub/", 20000),
		strings.Repeat("../", 20000),
		strings.Repeat("dot/", 20000) + "inside.txt",
		strings.Repeat("dotdots/", 100),
	} {
		for _, flag := range []experimentalsys.Oflag{experimentalsys.O_RDONLY, experimentalsys.O_RDWR | experimentalsys.O_CREAT, experimentalsys.O_RDONLY | experimentalsys.O_NOFOLLOW} {
			if f, errno := fsys.OpenFile(p, flag, 0o644); errno == 0 {
				f.Close()
				if strings.Contains(p, "\x00") || strings.Contains(p, "loop") || strings.HasPrefix(p, "self") || strings.Contains(p, "outside") || p == "updots" {
					t.Errorf("OpenFile(%.40q, %v) succeeded", p, flag)
				}
			}
		}
		fsys.Stat(p)
		fsys.Lstat(p)
		if errno := fsys.Mkdir(p, 0o755); errno == 0 && strings.ContainsAny(p, "\x00") {
			t.Errorf("Mkdir(%.40q) succeeded", p)
		}
		fsys.Symlink(p, "made")
		fsys.Unlink("made")
		fsys.Symlink("inside.txt", p)
		fsys.Chmod(p, 0o644)
		fsys.Utimens(p, experimentalsys.UTIME_OMIT, 0)
		fsys.Readlink(p)
		fsys.Rename(p, "renamed")
		fsys.Link(p, "linked")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("malformed paths took %v", d)
	}
	// The symlink full of ".." inside the mount is fine (and bounded).
	if f, errno := fsys.OpenFile("dotdots", experimentalsys.O_RDONLY, 0); errno == 0 {
		f.Close()
	}
	// Invalid UTF-8 names are names like any other, inside.
	bad := "bad\xff\xfe.txt"
	f, errno := fsys.OpenFile(bad, experimentalsys.O_RDWR|experimentalsys.O_CREAT, 0o644)
	if errno != 0 {
		t.Fatalf("an invalid UTF-8 name: %v", errno)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(mnt, bad)); err != nil {
		t.Errorf("the invalid UTF-8 name was not made inside: %v", err)
	}
	check()
}

// A directory the guest holds open, moved by another process: wazero
// joins a directory descriptor's name and the guest's path as strings, so
// paths under the descriptor resolve by name inside the mount (never
// following the directory to where it went); operations on the descriptor
// itself (fd_readdir, fd_filestat_*) act on the directory it names, as any
// descriptor does after a rename.
func TestMountOpenDirectoryMovedOut(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	if err := os.WriteFile(filepath.Join(mnt, "sub", "f.txt"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, errno := fsys.OpenFile("sub", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()
	moved := filepath.Join(outside, "moved")
	if err := os.Rename(filepath.Join(mnt, "sub"), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(moved, "later.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	// What wazero does for path_open(d, "later.txt"): "sub" + "/" + path.
	for _, p := range []string{"sub/later.txt", "sub/f.txt", "sub/../outside_dir/moved/later.txt"} {
		if f, errno := fsys.OpenFile(p, experimentalsys.O_RDONLY, 0); errno == 0 {
			f.Close()
			t.Errorf("OpenFile(%q) reached the moved directory", p)
		}
	}
	if errno := fsys.Mkdir("sub", 0o755); errno != 0 {
		t.Fatal(errno)
	}
	if f, errno := fsys.OpenFile("sub/new.txt", experimentalsys.O_RDWR|experimentalsys.O_CREAT, 0o644); errno != 0 {
		t.Fatal(errno)
	} else {
		f.Close()
	}
	if _, err := os.Stat(filepath.Join(moved, "new.txt")); err == nil {
		t.Error("a file created under the moved directory's old name went to where it went")
	}
	if _, err := os.Stat(filepath.Join(mnt, "sub", "new.txt")); err != nil {
		t.Errorf("a file created under the old name is not inside: %v", err)
	}
}

// A race between Chmod/Utimens/Stat's look at the last component and the
// system call on it: "x" is swapped between a file inside and a symlink to
// the outside file; the outside file's mode and times never change and
// Stat never describes it.
func TestMountChmodUtimensSymlinkSwapRace(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	outsideFile := filepath.Join(outside, "outside_file.txt")
	check := outsideUnchanged(t, outside)
	outsideIno := func() uint64 {
		fi, _ := os.Stat(outsideFile)
		return fi.Sys().(*syscall.Stat_t).Ino
	}()
	link, tmp := filepath.Join(mnt, "x"), filepath.Join(mnt, "x_tmp")
	plain := filepath.Join(mnt, "x_plain")
	stop := swapping(func(i int) {
		os.Remove(tmp)
		if i%2 == 0 {
			os.Symlink(outsideFile, tmp)
		} else {
			os.WriteFile(tmp, nil, 0o644)
		}
		os.Rename(tmp, link)
	})
	var ok int
	deadline := time.Now().Add(1500 * time.Millisecond)
	for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
		if fsys.Chmod("x", 0o600) == 0 {
			ok++
		}
		if fsys.Utimens("x", 1e9, 1e9) == 0 {
			ok++
		}
		if st, errno := fsys.Stat("x"); errno == 0 && st.Ino == outsideIno {
			t.Fatal("Stat(x) described the outside file")
		}
		// What gowasm does for path_filestat_set_times without the follow flag.
		if fsys.(Lutimenser).Lutimens("x", 1e9, 1e9) == 0 {
			ok++
		}
		// What wazero did.
		if f, errno := fsys.OpenFile("x", experimentalsys.O_WRONLY, 0); errno == 0 {
			f.Utimens(1e9, 1e9)
			if st, _ := f.Stat(); st.Ino == outsideIno {
				t.Error("opened the outside file")
			}
			f.Close()
		}
	}
	stop()
	os.Remove(plain)
	if ok == 0 {
		t.Fatal("no call succeeded while the link moved: the test tests nothing")
	}
	check()
}

// TestMountLutimensStaysInside: the times of a symlink itself (what
// path_filestat_set_times without the follow flag sets) are set on the
// link, inside; no path reaches outside with it, not through a link, not
// with a trailing slash (which makes the kernel follow the last symlink).
func TestMountLutimensStaysInside(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	check := outsideUnchanged(t, outside)
	etc, err := os.Stat(filepath.Join(filepath.Dir(mnt), "etc", "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]bool{"rel_link": true, "abs_link": true, "etc": true, "deep": true}
	for _, p := range escapes {
		errno := fsys.(Lutimenser).Lutimens(p, 1e9, 1e9)
		if !links[p] {
			if errno == 0 {
				t.Errorf("Lutimens(%q) succeeded", p)
			}
			continue
		}
		fi, err := os.Lstat(filepath.Join(mnt, p))
		if errno != 0 || err != nil || fi.ModTime().Unix() != 1 {
			t.Errorf("Lutimens(%q), the link itself: errno %v, mtime %v", p, errno, fi.ModTime())
		}
	}
	if errno := fsys.(Lutimenser).Lutimens("ok_link", 1e9, 1e9); errno != 0 {
		t.Error("Lutimens of a link inside:", errno)
	}
	if errno := fsys.(Lutimenser).Lutimens("ok_link", experimentalsys.UTIME_OMIT, 2e9); errno != 0 {
		t.Error("Lutimens of the mtime alone:", errno)
	}
	if fi, _ := os.Lstat(filepath.Join(mnt, "ok_link")); fi.ModTime().Unix() != 2 || sys.NewStat_t(fi).Atim != 1e9 {
		t.Errorf("Lutimens did not leave the atime as it was: mtime %v, atime %d", fi.ModTime(), sys.NewStat_t(fi).Atim)
	}
	if after, _ := os.Stat(filepath.Join(filepath.Dir(mnt), "etc", "passwd")); !after.ModTime().Equal(etc.ModTime()) {
		t.Error("the stand-in for /etc/passwd was touched")
	}
	check()
}

// /proc's magic links (root, cwd, exe, fd/N) are symlinks the kernel
// follows to any file, wherever it is; a mount of /proc/self must not
// follow them (the root reads them and resolves their text inside).
func TestMountProcMagicLinks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux /proc")
	}
	_, _, outside := newSandbox(t)
	secret, err := os.Open(filepath.Join(outside, "outside_file.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer secret.Close()
	fd := secret.Fd()
	fsys, err := NewFS(Mount{Host: "/proc/self", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	fdPath := "fd/" + itoa(int(fd))
	for _, p := range []string{fdPath, "fdinfo/../" + fdPath, "root/etc/passwd", "root/" + strings.TrimPrefix(outside, "/"), "cwd", "cwd/", "exe", "root", "root/", "map_files"} {
		for _, flag := range []experimentalsys.Oflag{experimentalsys.O_RDONLY, experimentalsys.O_RDONLY | experimentalsys.O_NOFOLLOW, experimentalsys.O_RDONLY | experimentalsys.O_DIRECTORY} {
			f, errno := fsys.OpenFile(p, flag, 0)
			if errno != 0 {
				continue
			}
			buf := make([]byte, 64)
			n, _ := f.Read(buf)
			dirents, _ := f.Readdir(-1)
			f.Close()
			if strings.Contains(string(buf[:n]), "secret") || strings.Contains(string(buf[:n]), "root:") {
				t.Errorf("OpenFile(%q, %v) read %q through a magic link", p, flag, buf[:n])
			}
			for _, e := range dirents {
				if e.Name == "outside_file.txt" || e.Name == "etc" || e.Name == "usr" {
					t.Errorf("OpenFile(%q, %v) lists %v through a magic link", p, flag, dirents)
					break
				}
			}
		}
		if st, errno := fsys.Stat(p); errno == 0 && st.Mode.IsRegular() && st.Size == 6 {
			t.Errorf("Stat(%q) looks like the outside file: %+v", p, st)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// A read-only mount refuses every write, whatever the flags: wazero's
// sysfs.ReadFS only looks at the access mode, and path_open with O_CREAT
// or O_TRUNC but only the read right asks for O_RDONLY|O_CREAT|O_TRUNC.
func TestMountReadOnlyRefusesEveryWrite(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(file, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("f.txt", filepath.Join(dir, "l")); err != nil {
		t.Fatal(err)
	}
	old := time.Unix(1000000000, 0)
	os.Chtimes(file, old, old)
	fsys, err := NewFS(Mount{Host: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"f.txt", "l", "new.txt", "d/new.txt"} {
		for _, flag := range []experimentalsys.Oflag{
			experimentalsys.O_RDONLY | experimentalsys.O_TRUNC,
			experimentalsys.O_RDONLY | experimentalsys.O_CREAT,
			experimentalsys.O_RDONLY | experimentalsys.O_CREAT | experimentalsys.O_EXCL,
			experimentalsys.O_RDONLY | experimentalsys.O_CREAT | experimentalsys.O_TRUNC,
			experimentalsys.O_RDONLY | experimentalsys.O_TRUNC | experimentalsys.O_NOFOLLOW,
			experimentalsys.O_RDONLY | experimentalsys.O_CREAT | experimentalsys.O_NOFOLLOW,
			experimentalsys.O_WRONLY, experimentalsys.O_RDWR,
			experimentalsys.O_WRONLY | experimentalsys.O_CREAT, experimentalsys.O_RDWR | experimentalsys.O_TRUNC,
		} {
			if f, errno := fsys.OpenFile(p, flag, 0o644); errno == 0 {
				f.Close()
				if flag&(experimentalsys.O_CREAT|experimentalsys.O_TRUNC|experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0 {
					t.Errorf("OpenFile(%q, %v) succeeded on a read-only mount", p, flag)
				}
			}
		}
	}
	// Through a file opened for reading: write, truncate, allocate (a
	// truncate), append, times.
	for _, flag := range []experimentalsys.Oflag{experimentalsys.O_RDONLY, experimentalsys.O_RDONLY | experimentalsys.O_APPEND} {
		f, errno := fsys.OpenFile("f.txt", flag, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		f.SetAppend(true)
		if _, errno := f.Write([]byte("x")); errno == 0 {
			t.Error("Write succeeded")
		}
		if _, errno := f.Pwrite([]byte("x"), 0); errno == 0 {
			t.Error("Pwrite succeeded")
		}
		if errno := f.Truncate(0); errno == 0 {
			t.Error("Truncate succeeded")
		}
		if errno := f.Utimens(0, 0); errno == 0 {
			t.Error("Utimens succeeded")
		}
		f.Close()
	}
	d, errno := fsys.OpenFile("d", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if errno := d.Utimens(0, 0); errno == 0 {
		t.Error("Utimens of a directory succeeded")
	}
	d.Close()
	for what, errno := range map[string]experimentalsys.Errno{
		"mkdir":   fsys.Mkdir("newdir", 0o755),
		"chmod":   fsys.Chmod("f.txt", 0o600),
		"rename":  fsys.Rename("f.txt", "g.txt"),
		"rmdir":   fsys.Rmdir("d"),
		"unlink":  fsys.Unlink("f.txt"),
		"link":    fsys.Link("f.txt", "h.txt"),
		"symlink": fsys.Symlink("f.txt", "s"),
		"utimens": fsys.Utimens("f.txt", 0, 0),
	} {
		if errno == 0 {
			t.Errorf("%s succeeded on a read-only mount", what)
		}
	}
	if got := names(t, dir); got != "d,f.txt,l" {
		t.Errorf("the read-only mount's entries changed: %s", got)
	}
	if got := names(t, filepath.Join(dir, "d")); got != "" {
		t.Errorf("d's entries changed: %s", got)
	}
	b, _ := os.ReadFile(file)
	fi, _ := os.Stat(file)
	if string(b) != "precious" || !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o644 {
		t.Errorf("f.txt changed on a read-only mount: %q %v %v", b, fi.ModTime(), fi.Mode())
	}
}

// Readdir on a file (wazero's fd_readdir on a file descriptor) reopens it
// through the root; a file replaced by a symlink out since it was opened is
// not what gets reopened.
func TestMountReaddirOfAReplacedFile(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	check := outsideUnchanged(t, outside)
	f, errno := fsys.OpenFile("inside.txt", experimentalsys.O_RDWR, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer f.Close()
	os.Remove(filepath.Join(mnt, "inside.txt"))
	os.Symlink(filepath.Join(outside, "outside_file.txt"), filepath.Join(mnt, "inside.txt"))
	if _, errno := f.Readdir(-1); errno == 0 {
		t.Error("Readdir of a file succeeded")
	}
	if errno := f.SetAppend(true); errno == 0 {
		t.Error("SetAppend reopened what replaced the file")
	}
	f.Write([]byte("planted"))
	check()
}

// No oracle: a path out fails the same way whether what it names outside
// exists or not, so a guest cannot probe the host's files by errno.
func TestMountNoExistenceOracleOutside(t *testing.T) {
	fsys, mnt, _ := newSandbox(t)
	symlinks(t, mnt, map[string]string{"up2": strings.Repeat("../", 40)})
	up := "up2/" + strings.TrimPrefix(filepath.Dir(mnt), "/")
	pairs := [][2]string{
		{"rel_link/outside_file.txt", "rel_link/missing.txt"},
		{"abs_link/outside_file.txt", "abs_link/missing.txt"},
		{"deep", "deep_missing"},
		{up + "/etc", up + "/no-such-dir-here"}, // (the stand-in for /etc, not the real one)
		{"sub/../../outside_dir", "sub/../../no_such_dir"},
	}
	os.Symlink("sub/../../outside_dir/missing.txt", filepath.Join(mnt, "deep_missing"))
	for _, pair := range pairs {
		var got [2][]experimentalsys.Errno
		for i, p := range pair {
			_, e1 := fsys.Stat(p)
			_, e2 := fsys.OpenFile(p, experimentalsys.O_RDONLY, 0)
			_, e3 := fsys.OpenFile(p+"/", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY|experimentalsys.O_NOFOLLOW, 0)
			e4 := fsys.Mkdir(p+"/x", 0o755)
			e5 := fsys.Unlink(p + "/x")
			e6 := fsys.Utimens(p, 0, 0)
			_, e7 := fsys.Readlink(p + "/x")
			got[i] = []experimentalsys.Errno{e1, e2, e3, e4, e5, e6, e7}
		}
		for j := range got[0] {
			if got[0][j] != got[1][j] || got[0][j] == 0 {
				t.Errorf("%q and %q: errnos %v and %v: an oracle", pair[0], pair[1], got[0], got[1])
				break
			}
		}
	}
}

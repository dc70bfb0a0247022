package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// windowsEscapes are paths a guest may try on Windows to leave its mount:
// drives (absolute and drive-relative), device and long-path prefixes, UNC
// shares, backslashes (a separator to Windows, "..\" included), reserved
// device names (with extensions and in subdirectories), and alternate data
// streams, which would hide data in a file's stream or reach the
// outside file's.
func windowsEscapes(outside string) []string {
	outFile := filepath.Join(outside, "outside_file.txt")
	vol := filepath.VolumeName(outFile)
	return []string{
		outFile, filepath.ToSlash(outFile), vol + `\`, vol, vol + "outside_file.txt", `C:\`, `C:\windows\win.ini`,
		`C:x`, `C:`, `\\?\` + outFile, `\\.\` + outFile, `//?/` + filepath.ToSlash(outFile),
		`\\localhost\C$\windows\win.ini`, `//localhost/C$/windows/win.ini`, `\\?\UNC\localhost\C$\windows`,
		`\windows\win.ini`, `..\outside_dir\outside_file.txt`, `sub\..\..\outside_dir\outside_file.txt`,
		`..\`, `sub/..\..\outside_dir`,
		"CON", "con", "NUL", "nul.txt", "COM1", "com1.txt", "LPT1", "AUX", "PRN", "CONIN$", "CONOUT$", "sub/NUL",
		"sub/con.txt", "NUL:", "COM\u00b9",
		"inside.txt:stream", "inside.txt::$DATA", "inside.txt:stream:$DATA", "sub:stream", "new.txt:stream",
		"sub/new.txt::$DATA", ":stream",
	}
}

// Every operation on such a path fails, nothing outside changes, no
// stream or file appears inside, and nothing is made in the process's
// current directory (drive-relative "C:x").
func TestMountWindowsPathsOut(t *testing.T) {
	fsys, mnt, outside := newPlainSandbox(t)
	cwdBefore := dirNames(t, ".")
	lut := fsys.(Lutimenser)
	for _, p := range windowsEscapes(outside) {
		ops := map[string]experimentalsys.Errno{
			"Stat":      second(fsys.Stat(p)),
			"Lstat":     second(fsys.Lstat(p)),
			"Mkdir":     fsys.Mkdir(p, 0o755),
			"Unlink":    fsys.Unlink(p),
			"Rmdir":     fsys.Rmdir(p),
			"Rename to": fsys.Rename("other.txt", p),
			"Rename of": fsys.Rename(p, "got"),
			"Link to":   fsys.Link("other.txt", p),
			"Link of":   fsys.Link(p, "got"),
			"Symlink":   fsys.Symlink("other.txt", p),
			"Utimens":   fsys.Utimens(p, 0, 0),
			"Lutimens":  lut.Lutimens(p, 0, 0),
			"Chmod":     fsys.Chmod(p, 0o444),
		}
		for _, flag := range []experimentalsys.Oflag{
			experimentalsys.O_RDONLY, experimentalsys.O_RDWR | experimentalsys.O_CREAT,
			experimentalsys.O_WRONLY | experimentalsys.O_CREAT | experimentalsys.O_EXCL | experimentalsys.O_NOFOLLOW,
			experimentalsys.O_WRONLY | experimentalsys.O_TRUNC | experimentalsys.O_NOFOLLOW,
		} {
			f, errno := fsys.OpenFile(p, flag, 0o644)
			if errno == 0 {
				f.Close()
			}
			ops[fmt.Sprintf("OpenFile %#x", flag)] = errno
		}
		for op, errno := range ops {
			if errno == 0 {
				t.Errorf("%s(%q) succeeded", op, p)
			}
		}
		if got := content(mnt, "got"); got != "" {
			t.Errorf("after %q: got holds %q", p, got)
		}
	}
	outsideIntact(t, outside)
	if got, want := strings.Join(dirNames(t, mnt), ","), "empty,full,inside.txt,other.txt,sub"; got != want {
		t.Errorf("the mount holds %s, want %s", got, want)
	}
	for _, f := range []string{"inside.txt", "other.txt", "sub", "new.txt"} {
		if _, err := os.Stat(filepath.Join(mnt, f) + ":stream"); err == nil {
			t.Errorf("%s has a stream", f)
		}
	}
	if got := strings.Join(dirNames(t, "."), ","); got != strings.Join(cwdBefore, ",") {
		t.Errorf("the current directory changed: %s", got)
	}
}

func second[T any](_ T, errno experimentalsys.Errno) experimentalsys.Errno { return errno }

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	mustOK(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Names differ in case only: Windows finds the same file, inside; a
// case-changed path out is refused as the exact one.
func TestMountWindowsCaseInsensitive(t *testing.T) {
	fsys, mnt, outside := newPlainSandbox(t)
	if _, errno := fsys.Stat("INSIDE.TXT"); errno != 0 {
		t.Errorf("Stat(INSIDE.TXT): %v", errno)
	}
	for _, p := range []string{"../OUTSIDE_DIR/OUTSIDE_FILE.TXT", "SUB/../../Outside_Dir"} {
		if _, errno := fsys.Stat(p); errno != experimentalsys.EPERM {
			t.Errorf("Stat(%q): %v, want EPERM", p, errno)
		}
		if errno := fsys.Unlink(p); errno != experimentalsys.EPERM {
			t.Errorf("Unlink(%q): %v, want EPERM", p, errno)
		}
	}
	if errno := fsys.Unlink("OTHER.TXT"); errno != 0 {
		t.Errorf("Unlink(OTHER.TXT): %v", errno)
	}
	if got := content(mnt, "other.txt"); got != "" {
		t.Errorf("other.txt holds %q after Unlink(OTHER.TXT)", got)
	}
	if errno := fsys.Rmdir("EMPTY/"); errno != 0 {
		t.Errorf("Rmdir(EMPTY/): %v", errno)
	}
	outsideIntact(t, outside)
}

// A symlink or junction the host made in the mount that points out is
// not followed out; opening it without following is ELOOP.
func TestMountWindowsLinksOut(t *testing.T) {
	fsys, mnt, outside := newPlainSandbox(t)
	made := 0
	for link, target := range map[string]string{"abs_link": outside, "rel_link": `..\outside_dir`} {
		p := filepath.Join(mnt, link)
		if os.Symlink(target, p) != nil {
			continue
		}
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		made++
		for _, q := range []string{link + "/outside_file.txt", link + "/"} {
			if f, errno := fsys.OpenFile(q, experimentalsys.O_RDWR, 0); errno == 0 {
				f.Close()
				t.Errorf("OpenFile(%q) succeeded", q)
			}
		}
		if f, errno := fsys.OpenFile(link, experimentalsys.O_RDONLY|experimentalsys.O_NOFOLLOW, 0); errno != experimentalsys.ELOOP {
			if errno == 0 {
				f.Close()
			}
			t.Errorf("OpenFile(%q, O_NOFOLLOW): %v, want ELOOP", link, errno)
		}
		if errno := fsys.Unlink(link); errno != 0 {
			t.Errorf("Unlink(%q): %v, want the link removed", link, errno)
		}
	}
	outsideIntact(t, outside)
	if made == 0 {
		// Wine 8: os.Symlink reports success and makes nothing, and
		// os.Root.Symlink answers "Request not supported", in a plain Go
		// program too. Windows needs developer mode or the privilege.
		t.Skip("this system makes no symlinks")
	}
}

// Windows (Win32, and os.Root with it) drops the dots and spaces that end
// a name: "a. " is "a", ".. " is "..". The native calls take a name as
// it is, and NTFS stores "a. " as such: a guest would leave names no
// Win32 program (Explorer, del, os.RemoveAll) can reach, ".. " among
// them, which a Win32 path reads as the mount's parent. Every operation
// reads such a name as Windows does: it makes no name that ends so, and
// acts on the file Stat finds.
func TestMountWindowsTrailingDotsAndSpaces(t *testing.T) {
	lut := func(fsys experimentalsys.FS) Lutimenser { return fsys.(Lutimenser) }
	for _, p := range []string{".. ", "..  ", "... ", "...", ". ", ". .", ".. .", "new. ", "new ", "new.", "COM\u00b9 ",
		"sub/.. ", "sub/new.", "full/d/.. ."} {
		fsys, mnt, outside := newPlainSandbox(t)
		if f, errno := fsys.OpenFile(p, experimentalsys.O_WRONLY|experimentalsys.O_CREAT|experimentalsys.O_NOFOLLOW, 0o644); errno == 0 {
			f.Close()
		}
		fsys.Rename("other.txt", p)
		fsys.Rename("empty", p)
		fsys.Rename("sub", p)
		err := filepath.WalkDir(mnt, func(q string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if n := d.Name(); strings.HasSuffix(n, ".") || strings.HasSuffix(n, " ") {
				return fmt.Errorf("%q made %q", p, q)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		outsideIntact(t, outside)
	}
	for _, p := range []string{"other.txt.", "other.txt ", "other.txt. .", "empty.", "sub/../empty "} {
		fsys, _, outside := newPlainSandbox(t)
		if _, errno := fsys.Stat(p); errno != 0 {
			continue // (a Windows that keeps such names: nothing to compare)
		}
		for op, errno := range map[string]experimentalsys.Errno{
			"Lutimens": lut(fsys).Lutimens(p, 0, 0),
			"Rename":   fsys.Rename(p, "renamed"),
		} {
			if errno == experimentalsys.ENOENT {
				t.Errorf("%s(%q): ENOENT, but Stat finds it", op, p)
			}
		}
		fsys, mnt, _ := newPlainSandbox(t)
		remove := fsys.Unlink
		if !strings.HasPrefix(p, "other") {
			remove = fsys.Rmdir
		}
		if errno := remove(p); errno != 0 {
			t.Errorf("removing %q: %v, but Stat finds it", p, errno)
		} else if _, errno := fsys.Stat(p); errno != experimentalsys.ENOENT {
			t.Errorf("after removing %q, Stat: %v (the mount holds %v)", p, errno, dirNames(t, mnt))
		}
		outsideIntact(t, outside)
	}
}

// A directory opened without following, for writing or to truncate, is
// EISDIR, as when it is followed for writing (and as openat on unix).
func TestMountWindowsNoFollowDirForWrite(t *testing.T) {
	fsys, mnt, _ := newPlainSandbox(t)
	for _, flag := range []experimentalsys.Oflag{
		experimentalsys.O_WRONLY, experimentalsys.O_RDWR, experimentalsys.O_WRONLY | experimentalsys.O_CREAT,
		experimentalsys.O_RDWR | experimentalsys.O_APPEND, experimentalsys.O_WRONLY | experimentalsys.O_NOFOLLOW,
		experimentalsys.O_RDWR | experimentalsys.O_NOFOLLOW, experimentalsys.O_WRONLY | experimentalsys.O_CREAT | experimentalsys.O_NOFOLLOW,
		experimentalsys.O_RDWR | experimentalsys.O_APPEND | experimentalsys.O_NOFOLLOW,
		experimentalsys.O_RDONLY | experimentalsys.O_TRUNC | experimentalsys.O_NOFOLLOW,
	} {
		file, errno := fsys.OpenFile("full", flag, 0o644)
		if errno == 0 {
			file.Close()
		}
		if errno != experimentalsys.EISDIR {
			t.Errorf("OpenFile(full, %#x): %v, want EISDIR", flag, errno)
		}
	}
	if got := content(mnt, "full/d"); got != "dir" {
		t.Errorf("full/d is %q", got)
	}
}

// A rename to the same name in another case (or with the dots and
// spaces Windows drops) renames the file to that spelling; it is not a
// rename over another file: an empty directory is not removed first
// (it was, and the rename answered success with the directory gone),
// and a full one is renamed too (it was ENOTEMPTY).
func TestMountWindowsRenameSameFile(t *testing.T) {
	for _, c := range [][3]string{
		{"empty", "EMPTY", "EMPTY"}, {"full", "Full", "Full"}, {"other.txt", "OTHER.txt", "OTHER.txt"},
		{"empty", "empty.", "empty"}, {"full/d", "full/D ", "D"}, {"sub/", "SUB/", "SUB"},
	} {
		fsys, mnt, outside := newPlainSandbox(t)
		if errno := fsys.Rename(c[0], c[1]); errno != 0 {
			t.Errorf("Rename(%q, %q): %v", c[0], c[1], errno)
		}
		dir := filepath.Dir(filepath.Join(mnt, filepath.FromSlash(strings.TrimSuffix(c[0], "/"))))
		found := false
		for _, n := range dirNames(t, dir) {
			// (Wine keeps the old case: it renames a file to the one the
			// new name finds, itself.)
			found = found || strings.EqualFold(n, c[2])
		}
		if !found {
			t.Errorf("after Rename(%q, %q), %s holds %v, want %q", c[0], c[1], dir, dirNames(t, dir), c[2])
		}
		outsideIntact(t, outside)
	}
}

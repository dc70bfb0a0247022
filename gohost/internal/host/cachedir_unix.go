//go:build unix

package host

import (
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// ownDirProblem says why dir is not a directory (not a symbolic link) that
// this user owns and no one else can write to, or "".
func ownDirProblem(dir string) string {
	fi, err := os.Lstat(dir)
	switch {
	case err != nil:
		return "cannot be examined: " + trimPathError(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return "is a symbolic link"
	case !fi.IsDir():
		return "is not a directory"
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "has no owner gowasm can read"
	}
	if uid := int(st.Uid); uid != os.Geteuid() {
		return fmt.Sprintf("belongs to another user (uid %d; you are uid %d)", uid, os.Geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Sprintf("can be written to by other users (mode %04o)", perm|sticky(fi))
	}
	return ""
}

// ancestorProblem says why no one but root and this user can rename what
// is in dir, a directory above a cache directory, or "".
func ancestorProblem(dir string) string {
	fi, err := os.Lstat(dir)
	if err != nil {
		return "cannot be examined: " + trimPathError(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "has no owner gowasm can read"
	}
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
		return fmt.Sprintf("belongs to another user (uid %d)", uid)
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Sprintf("can be written to by other users and has no sticky bit (mode %04o)", fi.Mode().Perm())
	}
	return ""
}

// sticky is the sticky bit of fi as a mode number, for messages.
func sticky(fi fs.FileInfo) fs.FileMode {
	if fi.Mode()&fs.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

// ownSubdir names gowasm's private subdirectory of a shared directory.
func ownSubdir() string { return "gowasm-" + strconv.Itoa(os.Geteuid()) }

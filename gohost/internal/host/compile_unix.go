//go:build unix

package host

import (
	"os"
	"syscall"
)

// privateDir says whether dir is a directory (not a symlink) that this
// user owns and no one else can write to: only then are the markers in
// it this user's own (compile.go).
func privateDir(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o022 != 0 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

//go:build unix

package compile

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"
)

// OwnerChecked: owner and mode bits tell whether a directory is this
// user's alone (privateDir).
const OwnerChecked = true

// ownDirProblem says why dir is not a directory (not a symbolic link) that
// this user owns and no one else can write to, or "".
func ownDirProblem(dir string) string {
	fi, problem := realDir(dir)
	if problem != "" {
		return problem
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "has no owner gowasm can read"
	}
	if uid := int(st.Uid); uid != os.Geteuid() {
		return fmt.Sprintf("belongs to another user (uid %d; you are uid %d)", uid, os.Geteuid())
	}
	perm := fi.Mode().Perm()
	if perm&0o002 != 0 || perm&0o020 != 0 && !ownGroup(int(st.Gid)) {
		return fmt.Sprintf("can be written to by other users (mode %04o, group %d)", perm|sticky(fi), st.Gid)
	}
	if perm&0o020 != 0 && extendedACL(dir) {
		return fmt.Sprintf("can be written to by the users its access control list names (mode %04o)", perm|sticky(fi))
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
	perm := fi.Mode().Perm()
	if perm&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Sprintf("can be written to by other users and has no sticky bit (mode %04o)", perm)
	}
	if perm&0o020 != 0 && fi.Mode()&fs.ModeSticky == 0 && !ownGroup(int(st.Gid)) {
		return fmt.Sprintf("can be written to by its group (gid %d) and has no sticky bit (mode %04o)", st.Gid, perm)
	}
	if perm&0o020 != 0 && fi.Mode()&fs.ModeSticky == 0 && extendedACL(dir) {
		return fmt.Sprintf("can be written to by the users its access control list names and has no sticky bit (mode %04o)", perm)
	}
	return ""
}

// ownGroup says whether gid is this user's private group: the user's
// primary group, named as the user is. Systems that give each user such a
// group (Fedora, RHEL, Debian's USERGROUPS_ENAB) set umask 002, so the
// directories a user makes, ~/.cache among them, are group-writable: only
// to that user. An access control list can let others write as well,
// which the mode shows only as the group's bits (extendedACL).
//
// The answer is kept per user and group: the directory chosen is checked
// again at each load (cachedir.go), and looking names up can mean asking a
// directory service (LDAP) each time.
func ownGroup(gid int) bool {
	if gid != os.Getegid() {
		return false
	}
	key := [2]int{os.Geteuid(), gid}
	if own, ok := ownGroups.Load(key); ok {
		return own.(bool)
	}
	own := false
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		u, err := user.LookupId(strconv.Itoa(key[0]))
		own = err == nil && g.Name == u.Username
	}
	ownGroups.Store(key, own)
	return own
}

// ownGroups holds OwnGroup's answers: [uid, gid] -> bool.
var ownGroups sync.Map

// sticky is the sticky bit of fi as a mode number, for messages.
func sticky(fi fs.FileInfo) fs.FileMode {
	if fi.Mode()&fs.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

// OwnSubdir names gowasm's private subdirectory of a shared directory.
func OwnSubdir() string { return "gowasm-" + strconv.Itoa(os.Geteuid()) }

// foreignLink says who, other than root and this user, owns fi, a
// symbolic link in the path of a cache directory ("" if no one does).
func foreignLink(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 || int(st.Uid) == os.Geteuid() {
		return ""
	}
	return fmt.Sprintf("uid %d", st.Uid)
}

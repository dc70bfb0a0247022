package compile

import (
	"errors"
	"syscall"
)

// extendedACL says whether dir has an access control list beyond its
// mode. The mode's group bits are then the list's mask, the most that any
// user or group it names may do: group-writable may mean writable by
// another user. One that cannot be read counts as one.
func extendedACL(dir string) bool {
	_, err := syscall.Getxattr(dir, "system.posix_acl_access", nil)
	return !errors.Is(err, syscall.ENODATA) && !errors.Is(err, syscall.ENOTSUP)
}

package compile

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/testkit"
)

// TestCacheDirWithAnACL: an access control list that lets another user
// write, on a directory whose group is the user's private group. Its mode
// then shows the ACL's mask as the group's bits, which the private-group
// exception (umask 002) took for that group's alone. Such an ACL is
// inherited from a directory's default ACL (a project shared with a
// colleague: setfacl -d -m u:bob:rwx), the cache directory being made
// there with mkdir.
func TestCacheDirWithAnACL(t *testing.T) {
	if !ownGroup(os.Getegid()) {
		t.Skip("this user has no private group")
	}
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, base string) (asked string)
	}{
		{"on the directory", func(t *testing.T, base string) string {
			return letWrite(t, testkit.MkdirMode(t, filepath.Join(base, "c"), 0o770), testkit.OtherUID)
		}},
		{"on a directory above it", func(t *testing.T, base string) string {
			above := letWrite(t, testkit.MkdirMode(t, filepath.Join(base, "project"), 0o770), testkit.OtherUID)
			return testkit.MkdirMode(t, filepath.Join(above, "c"), 0o700)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			asked := c.setup(t, ruleBase(t))
			if got := chooseCacheDir(asked); got.Dir != "" || !strings.Contains(got.Problem, "access control list") {
				t.Fatalf("chose %q (problem %q): another user can write to it", got.Dir, got.Problem)
			}
		})
	}
}

// letWrite gives user uid write access to dir through an access control
// list (what setfacl -m u:<uid>:rwx does), with a mask that lets it.
func letWrite(t *testing.T, dir string, uid uint32) string {
	t.Helper()
	const undefinedID = 0xffffffff
	acl := binary.LittleEndian.AppendUint32(nil, 2) // version
	for _, e := range []struct {
		tag, perm uint16
		id        uint32
	}{{0x01, 7, undefinedID}, {0x02, 7, uid}, {0x04, 7, undefinedID}, {0x10, 7, undefinedID}, {0x20, 0, undefinedID}} {
		acl = binary.LittleEndian.AppendUint16(acl, e.tag)
		acl = binary.LittleEndian.AppendUint16(acl, e.perm)
		acl = binary.LittleEndian.AppendUint32(acl, e.id)
	}
	if err := syscall.Setxattr(dir, "system.posix_acl_access", acl, 0); err != nil {
		t.Skipf("no access control lists here: %v", err)
	}
	return dir
}

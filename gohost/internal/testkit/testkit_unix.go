//go:build unix

package testkit

import (
	"os"
	"testing"
)

// Another local user is played by uid 65534 (nobody): files are given to it
// with chown, which needs root.
const OtherUID = 65534

func GiveAway(t *testing.T, paths ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	for _, p := range paths {
		if err := os.Lchown(p, OtherUID, OtherUID); err != nil {
			t.Skip(err)
		}
	}
}

// MkdirMode makes dir with exactly mode (no umask).
func MkdirMode(t *testing.T, dir string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

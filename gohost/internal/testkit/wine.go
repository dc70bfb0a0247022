package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TempDir is t.TempDir, emptied when the test ends by a plain walk of
// os.Remove (DeleteFileW, RemoveDirectoryW): under Wine 8, t.TempDir's own
// cleanup (os.RemoveAll, which deletes through the handle-relative
// FileDispositionInformationEx that Wine 8 answers STATUS_NOT_IMPLEMENTED)
// fails every test that leaves a file in it. A plain Go program fails the
// same way under Wine (see RATIONALE.md, "The sandbox").
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if UnderWine() {
		t.Cleanup(func() { removeTree(dir) })
	}
	return dir
}

// RemoveAll is os.RemoveAll, or under Wine the walk of TempDir.
func RemoveAll(p string) error {
	if UnderWine() {
		removeTree(p)
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			return fmt.Errorf("cannot remove %s", p)
		}
		return nil
	}
	return os.RemoveAll(p)
}

func removeTree(p string) {
	if entries, err := os.ReadDir(p); err == nil {
		for _, e := range entries {
			removeTree(filepath.Join(p, e.Name()))
		}
	}
	os.Remove(p)
}

//go:build unix

package compile

import (
	"os"
	"syscall"
)

// openEntry opens a cache entry for reading. Should the name be swapped
// for a symlink or a FIFO after it was checked, the open fails or returns
// at once (the file's type is checked again on the descriptor).
func openEntry(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

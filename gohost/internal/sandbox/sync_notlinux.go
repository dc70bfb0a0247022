//go:build !linux

package sandbox

import (
	"os"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// Elsewhere O_SYNC stands in for O_DSYNC (it implies it) and O_RSYNC is not offered.
const (
	rsyncFlag = 0
	dsyncFlag = syscall.O_SYNC
)

// futimens is not offered here: wazero then sets the times by path
// (rootFS.Utimens, through the root).
func futimens(uintptr, int64, int64) experimentalsys.Errno { return experimentalsys.ENOSYS }

func datasync(f *os.File) experimentalsys.Errno { return experimentalsys.UnwrapOSError(f.Sync()) }

//go:build !unix && !windows

package sandbox

import (
	"io/fs"
	"os"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// Without *at system calls, opening without following the last component
// and rmdir/unlink are refused (ENOSYS); everything else goes through
// os.Root, which confines paths on every platform.
func openAt(*os.File, string, int, fs.FileMode) (*os.File, error) {
	return nil, experimentalsys.ENOSYS
}

func removeAt(*os.File, string, bool) error { return experimentalsys.ENOSYS }

const noFollowFlag = 0

func setNonblock(uintptr, bool) experimentalsys.Errno { return experimentalsys.ENOSYS }

func platformOpenFlag(experimentalsys.Oflag) int { return 0 }

func lutimensAt(*os.File, string, int64, int64) error { return experimentalsys.ENOSYS }

func pwrite(f *os.File, buf []byte, off int64) (int, error) { return f.WriteAt(buf, off) }

func renameAt(*os.File, string, *os.File, string) error { return experimentalsys.ENOSYS }

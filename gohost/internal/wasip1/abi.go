package wasip1

import (
	"io/fs"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// The numbers of WASI preview 1's ABI that gowasm's own WASI functions
// use (wazero's are in an internal package).

// wasiErrno is a WASI errno, what every WASI function returns.
type wasiErrno uint16

const (
	ErrnoBadf        wasiErrno = 8
	errnoFault       wasiErrno = 21
	errnoInval       wasiErrno = 28
	errnoIo          wasiErrno = 29
	errnoMfile       wasiErrno = 33
	errnoNametoolong wasiErrno = 37
	ErrnoNfile       wasiErrno = 41
	ErrnoNosys       wasiErrno = 52
	errnoNotdir      wasiErrno = 54
	errnoNotsock     wasiErrno = 57
	errnoNotsup      wasiErrno = 58
	errnoPerm        wasiErrno = 63
	errnoXdev        wasiErrno = 75
	ErrnoNotcapable  wasiErrno = 76
)

// wasiErrnos maps wazero's errnos to WASI's, as wazero does.
var wasiErrnos = [...]wasiErrno{
	experimentalsys.EACCES: 2, experimentalsys.EAGAIN: 6, experimentalsys.EBADF: ErrnoBadf,
	experimentalsys.EEXIST: 20, experimentalsys.EFAULT: errnoFault, experimentalsys.EINTR: 27,
	experimentalsys.EINVAL: errnoInval, experimentalsys.EIO: errnoIo, experimentalsys.EISDIR: 31,
	experimentalsys.ELOOP: 32, experimentalsys.ENAMETOOLONG: errnoNametoolong, experimentalsys.ENOENT: 44,
	experimentalsys.ENOSYS: ErrnoNosys, experimentalsys.ENOTDIR: errnoNotdir, experimentalsys.ERANGE: 68,
	experimentalsys.ENOTEMPTY: 55, experimentalsys.ENOTSOCK: errnoNotsock, experimentalsys.ENOTSUP: errnoNotsup,
	experimentalsys.EPERM: errnoPerm, experimentalsys.EROFS: 69,
}

func errnoFrom(errno experimentalsys.Errno) wasiErrno {
	if int(errno) < len(wasiErrnos) && (errno == 0 || wasiErrnos[errno] != 0) {
		return wasiErrnos[errno]
	}
	return errnoIo
}

// File types (5 and 6 are sockets, which gowasm gives no guest).
const (
	filetypeUnknown uint8 = iota
	filetypeBlockDevice
	filetypeCharacterDevice
	filetypeDirectory
	filetypeRegularFile
	filetypeSymbolicLink = 7
)

func filetypeOf(m fs.FileMode) uint8 {
	switch {
	case m.IsRegular():
		return filetypeRegularFile
	case m.IsDir():
		return filetypeDirectory
	case m&fs.ModeSymlink != 0:
		return filetypeSymbolicLink
	case m&fs.ModeCharDevice != 0:
		return filetypeCharacterDevice
	case m&fs.ModeDevice != 0:
		return filetypeBlockDevice
	}
	return filetypeUnknown
}

// path_open's oflags, fdflags, lookupflags and fstflags.
const (
	oflagCreat uint16 = 1 << iota
	oflagDirectory
	oflagExcl
	oflagTrunc
)

const (
	fdflagAppend uint16 = 1 << iota
	fdflagDsync
	fdflagNonblock
	fdflagRsync
	fdflagSync
)

const lookupSymlinkFollow uint16 = 1

const (
	FstflagAtim uint16 = 1 << iota
	FstflagAtimNow
	FstflagMtim
	FstflagMtimNow
)

// poll_oneoff's event types and clock flag.
const (
	EventtypeClock byte = iota
	EventtypeFdRead
	EventtypeFdWrite
)

const subclockAbstime = 1

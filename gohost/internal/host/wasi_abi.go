package host

import (
	"io/fs"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// The numbers of WASI preview 1's ABI that gowasm's own WASI functions
// use (wazero's are in an internal package).

// wasiErrno is a WASI errno, what every WASI function returns.
type wasiErrno uint16

const (
	errnoBadf        wasiErrno = 8
	errnoFault       wasiErrno = 21
	errnoInval       wasiErrno = 28
	errnoIo          wasiErrno = 29
	errnoMfile       wasiErrno = 33
	errnoNametoolong wasiErrno = 37
	errnoNfile       wasiErrno = 41
	errnoNosys       wasiErrno = 52
	errnoNotdir      wasiErrno = 54
	errnoNotsock     wasiErrno = 57
	errnoNotsup      wasiErrno = 58
	errnoPerm        wasiErrno = 63
	errnoXdev        wasiErrno = 75
	errnoNotcapable  wasiErrno = 76
)

// wasiErrnos maps wazero's errnos to WASI's, as wazero does.
var wasiErrnos = [...]wasiErrno{
	experimentalsys.EACCES: 2, experimentalsys.EAGAIN: 6, experimentalsys.EBADF: errnoBadf,
	experimentalsys.EEXIST: 20, experimentalsys.EFAULT: errnoFault, experimentalsys.EINTR: 27,
	experimentalsys.EINVAL: errnoInval, experimentalsys.EIO: errnoIo, experimentalsys.EISDIR: 31,
	experimentalsys.ELOOP: 32, experimentalsys.ENAMETOOLONG: errnoNametoolong, experimentalsys.ENOENT: 44,
	experimentalsys.ENOSYS: errnoNosys, experimentalsys.ENOTDIR: errnoNotdir, experimentalsys.ERANGE: 68,
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
	fstflagAtim uint16 = 1 << iota
	fstflagAtimNow
	fstflagMtim
	fstflagMtimNow
)

// poll_oneoff's event types and clock flag.
const (
	eventtypeClock byte = iota
	eventtypeFdRead
	eventtypeFdWrite
)

const subclockAbstime = 1

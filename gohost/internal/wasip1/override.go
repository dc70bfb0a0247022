package wasip1

import (
	"context"
	"encoding/binary"
	"io/fs"
	"path"
	"strings"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/sandbox"
	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// gowasm's WASI is wazero's wasi_snapshot_preview1 with the functions
// below replaced, where wazero departs from the specification's own tests
// (WebAssembly/wasi-testsuite, tests/test_wasi_testsuite.py): rights
// tracked per descriptor and enforced (rights.go), fd_renumber over
// any open descriptor, readlink into a short buffer, times of a symlink
// itself, path_link refusing to follow symlinks, fd_prestat_dir_name's
// buffer check, fd_allocate's right, poll_oneoff on writable descriptors,
// ENOTSOCK (see RATIONALE.md, "WASI"), and fd_filestat_set_times on stdio
// (a nil-pointer panic in wazero: a trap). Every path
// still goes through the mount (rootFS and its os.Root); these functions
// only decide what a guest may ask of it. The rest (fd_read, fd_write,
// fd_readdir, clocks, args...) stays wazero's, at wazero's speed.
var wasiOverrides = []struct {
	name   string
	fn     func(*wasiCall, []uint64) wasiErrno
	params []api.ValueType
}{
	{"fd_allocate", fdAllocate, []api.ValueType{i32, i64, i64}},
	{"fd_fdstat_get", fdFdstatGet, []api.ValueType{i32, i32}},
	{"fd_fdstat_set_rights", fdFdstatSetRights, []api.ValueType{i32, i64, i64}},
	{"fd_filestat_set_times", fdFilestatSetTimes, []api.ValueType{i32, i64, i64, i32}},
	{"fd_prestat_dir_name", fdPrestatDirName, []api.ValueType{i32, i32, i32}},
	{"fd_renumber", fdRenumber, []api.ValueType{i32, i32}},
	{"path_create_directory", pathFunc(rightPathCreateDirectory, mkdir), []api.ValueType{i32, i32, i32}},
	{"path_filestat_get", pathFilestatGet, []api.ValueType{i32, i32, i32, i32, i32}},
	{"path_filestat_set_times", pathFilestatSetTimes, []api.ValueType{i32, i32, i32, i32, i64, i64, i32}},
	{"path_link", pathLink, []api.ValueType{i32, i32, i32, i32, i32, i32, i32}},
	{"path_open", pathOpen, []api.ValueType{i32, i32, i32, i32, i32, i64, i64, i32, i32}},
	{"path_readlink", pathReadlink, []api.ValueType{i32, i32, i32, i32, i32, i32}},
	{"path_remove_directory", pathFunc(rightPathRemoveDirectory, experimentalsys.FS.Rmdir), []api.ValueType{i32, i32, i32}},
	{"path_rename", pathRename, []api.ValueType{i32, i32, i32, i32, i32, i32}},
	{"path_symlink", pathSymlink, []api.ValueType{i32, i32, i32, i32, i32}},
	{"path_unlink_file", pathFunc(rightPathUnlinkFile, experimentalsys.FS.Unlink), []api.ValueType{i32, i32, i32}},
	{"poll_oneoff", pollOneoff, []api.ValueType{i32, i32, i32, i32}},
	{"sock_accept", sockNotSocket, []api.ValueType{i32, i32, i32}},
	{"sock_recv", sockNotSocket, []api.ValueType{i32, i32, i32, i32, i32, i32}},
	{"sock_send", sockNotSocket, []api.ValueType{i32, i32, i32, i32, i32}},
	{"sock_shutdown", sockNotSocket, []api.ValueType{i32, i32}},
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

var le = binary.LittleEndian

// Export adds WASI preview 1 to b: wazero's, with gowasm's functions
// in place of some (see wasiOverrides).
// sleep is poll_oneoff's sleep (nil: the guest's configured Nanosleep).
func Export(b wazero.HostModuleBuilder, sleep func(wazerointernal.Clocks, int64)) {
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	for _, o := range wasiOverrides {
		fn := o.fn
		var cache wasiCall
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, mod api.Module, stack []uint64) {
				if cache.mod != mod {
					fds, ok := wazerointernal.FDTableOf(mod)
					if !ok {
						panic(errs.Errorf(errs.ErrInternal, "gowasm: cannot reach wazero's WASI descriptors (wazero changed?)"))
					}
					cache = wasiCall{mod: mod, fds: fds, sleep: sleep}
				}
				cache.mem = mod.Memory()
				stack[0] = uint64(fn(&cache, stack))
			}), o.params, []api.ValueType{i32}).
			Export(o.name)
	}
}

// wasiCall is what a WASI function works with: the calling guest, its
// memory and its descriptors.
type wasiCall struct {
	mod   api.Module
	mem   api.Memory
	fds   wazerointernal.FDTable
	sleep func(wazerointernal.Clocks, int64)
}

// atDir is the directory descriptor a path is relative to.
type atDir struct {
	fs         experimentalsys.FS
	inheriting uint64 // the rights it passes on to what it opens
}

// at resolves a path argument as wazero does (relative to the directory
// descriptor fd, never above its mount: such paths are EPERM before the
// mount's os.Root is asked) and checks fd has the rights need.
func (c *wasiCall) at(fd int32, p, pathLen uint32, need uint64) (atDir, string, wasiErrno) {
	b, ok := c.mem.Read(p, pathLen)
	if !ok {
		return atDir{}, "", errnoFault
	}
	name := string(b)
	trailingSlash := strings.HasSuffix(name, "/")
	if name = path.Clean(name); !fs.ValidPath(name) {
		return atDir{}, "", errnoPerm
	}
	if trailingSlash {
		name += "/" // a trailing slash asks for a directory
	}
	e, ok := c.fds.Get(fd)
	if !ok {
		return atDir{}, "", ErrnoBadf
	}
	f := e.File()
	if isDir, errno := f.IsDir(); errno != 0 {
		return atDir{}, "", errnoFrom(errno)
	} else if !isDir {
		return atDir{}, "", errnoNotdir
	}
	base, inheriting := rightsOf(f, filetypeDirectory)
	if base&need != need {
		return atDir{}, "", ErrnoNotcapable
	}
	if !e.IsPreopen() {
		name = e.Name() + "/" + name
	}
	return atDir{fs: e.FS(), inheriting: inheriting}, name, 0
}

// fdRenumber moves a descriptor over another open one, preopens and stdio
// included (wazero refuses those, and renumbers to numbers not open).
func fdRenumber(c *wasiCall, p []uint64) wasiErrno {
	return errnoFrom(c.fds.Renumber(int32(p[0]), int32(p[1])))
}

// fdPrestatDirName writes a preopen's name into a buffer that must hold it
// (wazero refuses a buffer longer than the name and fills a shorter one).
func fdPrestatDirName(c *wasiCall, p []uint64) wasiErrno {
	e, ok := c.fds.Get(int32(p[0]))
	if !ok || !e.IsPreopen() {
		return ErrnoBadf
	}
	if isDir, _ := e.File().IsDir(); !isDir {
		return ErrnoBadf // stdio, which wazero also marks preopened
	}
	name := e.Name()
	if uint32(p[2]) < uint32(len(name)) {
		return errnoNametoolong
	}
	if !c.mem.WriteString(uint32(p[1]), name) {
		return errnoFault
	}
	return 0
}

// pathFunc makes a WASI function that is one operation on a path
// (fd, path, path_len), which needs the right need.
func pathFunc(need uint64, op func(experimentalsys.FS, string) experimentalsys.Errno) func(*wasiCall, []uint64) wasiErrno {
	return func(c *wasiCall, p []uint64) wasiErrno {
		dir, name, errno := c.at(int32(p[0]), uint32(p[1]), uint32(p[2]), need)
		if errno != 0 {
			return errno
		}
		return errnoFrom(op(dir.fs, name))
	}
}

func mkdir(fsys experimentalsys.FS, name string) experimentalsys.Errno {
	return fsys.Mkdir(name, 0o700)
}

func pathFilestatGet(c *wasiCall, p []uint64) wasiErrno {
	dir, name, errno := c.at(int32(p[0]), uint32(p[2]), uint32(p[3]), rightPathFilestatGet)
	if errno != 0 {
		return errno
	}
	var st sys.Stat_t
	var errno2 experimentalsys.Errno
	if uint16(p[1])&lookupSymlinkFollow != 0 {
		st, errno2 = dir.fs.Stat(name)
	} else {
		st, errno2 = dir.fs.Lstat(name)
	}
	if errno2 != 0 {
		return errnoFrom(errno2)
	}
	buf, ok := c.mem.Read(uint32(p[4]), 64)
	if !ok {
		return errnoFault
	}
	for i, v := range [...]uint64{st.Dev, st.Ino, uint64(filetypeOf(st.Mode)), st.Nlink, uint64(st.Size),
		uint64(st.Atim), uint64(st.Mtim), uint64(st.Ctim)} {
		le.PutUint64(buf[8*i:], v)
	}
	return 0
}

// pathFilestatSetTimes sets the times of a symlink itself unless asked to
// follow it (wazero set its target's).
func pathFilestatSetTimes(c *wasiCall, p []uint64) wasiErrno {
	atim, mtim, errno := c.times(int64(p[4]), int64(p[5]), uint16(p[6]))
	if errno != 0 {
		return errno
	}
	dir, name, errno := c.at(int32(p[0]), uint32(p[2]), uint32(p[3]), rightPathFilestatSetTimes)
	if errno != 0 {
		return errno
	}
	if uint16(p[1])&lookupSymlinkFollow != 0 {
		return errnoFrom(dir.fs.Utimens(name, atim, mtim))
	}
	if l, ok := dir.fs.(sandbox.Lutimenser); ok {
		return errnoFrom(l.Lutimens(name, atim, mtim))
	}
	return ErrnoNosys
}

// fdFilestatSetTimes sets an open file's times by its descriptor, else
// (no futimens on this platform: ENOSYS, or EPERM) by its path in its
// mount, as wazero does. wazero fell back to the path of stdio too, which
// has no mount: a nil-pointer panic that killed the module; here stdio
// answers what its file does (ENOSYS).
func fdFilestatSetTimes(c *wasiCall, p []uint64) wasiErrno {
	e, ok := c.fds.Get(int32(p[0]))
	if !ok {
		return ErrnoBadf
	}
	atim, mtim, errno := c.times(int64(p[1]), int64(p[2]), uint16(p[3]))
	if errno != 0 {
		return errno
	}
	errno2 := e.File().Utimens(atim, mtim)
	if fsys := e.FS(); fsys != nil && (errno2 == experimentalsys.ENOSYS || errno2 == experimentalsys.EPERM) {
		name := e.Name()
		if e.IsPreopen() {
			name = "." // (a preopen's name is its guest path)
		}
		errno2 = fsys.Utimens(name, atim, mtim)
	}
	return errnoFrom(errno2)
}

// times converts WASI's times and fstflags to wazero's (UTIME_OMIT for
// "leave it").
func (c *wasiCall) times(atim, mtim int64, fstFlags uint16) (int64, int64, wasiErrno) {
	var now int64
	convert := func(t int64, set, setNow uint16) (int64, wasiErrno) {
		switch {
		case fstFlags&set != 0 && fstFlags&setNow != 0:
			return 0, errnoInval
		case fstFlags&set != 0:
			return t, 0
		case fstFlags&setNow != 0:
			if now == 0 {
				now = c.fds.Clocks.WalltimeNanos()
			}
			return now, 0
		}
		return experimentalsys.UTIME_OMIT, 0
	}
	atim, errno := convert(atim, FstflagAtim, FstflagAtimNow)
	if errno != 0 {
		return 0, 0, errno
	}
	mtim, errno = convert(mtim, FstflagMtim, FstflagMtimNow)
	return atim, mtim, errno
}

// pathLink refuses to follow a symlink in the old path (EINVAL, as
// wasmtime): a hard link names an inode, and one named through a symlink
// could be outside the mount; wazero ignored the flag.
func pathLink(c *wasiCall, p []uint64) wasiErrno {
	fsys, oldName, newName, errno := c.atBoth(p[0], p[2], p[3], rightPathLinkSource, p[4], p[5], p[6], rightPathLinkTarget)
	if errno != 0 {
		return errno
	}
	if uint16(p[1])&lookupSymlinkFollow != 0 {
		return errnoInval
	}
	return errnoFrom(fsys.Link(oldName, newName))
}

// pathReadlink fills the buffer with as much of the link as fits, as
// readlink(2) does (wazero refused a short buffer with ERANGE).
func pathReadlink(c *wasiCall, p []uint64) wasiErrno {
	buf, bufLen := uint32(p[3]), uint32(p[4])
	if uint32(p[2]) == 0 || bufLen == 0 {
		return errnoInval
	}
	dir, name, errno := c.at(int32(p[0]), uint32(p[1]), uint32(p[2]), rightPathReadlink)
	if errno != 0 {
		return errno
	}
	target, errno2 := dir.fs.Readlink(name)
	if errno2 != 0 {
		return errnoFrom(errno2)
	}
	if uint32(len(target)) > bufLen {
		target = target[:bufLen]
	}
	if !c.mem.WriteString(buf, target) || !c.mem.WriteUint32Le(uint32(p[5]), uint32(len(target))) {
		return errnoFault
	}
	return 0
}

func pathRename(c *wasiCall, p []uint64) wasiErrno {
	fsys, oldName, newName, errno := c.atBoth(p[0], p[1], p[2], rightPathRenameSource, p[3], p[4], p[5], rightPathRenameTarget)
	if errno != 0 {
		return errno
	}
	return errnoFrom(fsys.Rename(oldName, newName))
}

// atBoth resolves the two paths of path_link and path_rename (each a
// directory descriptor, a path and its length) in one mount: across mounts
// it is EXDEV, as rename(2) (wazero answered ENOSYS).
func (c *wasiCall) atBoth(oldFd, oldPath, oldLen uint64, oldRight uint64, newFd, newPath, newLen uint64, newRight uint64) (experimentalsys.FS, string, string, wasiErrno) {
	from, oldName, errno := c.at(int32(oldFd), uint32(oldPath), uint32(oldLen), oldRight)
	if errno != 0 {
		return nil, "", "", errno
	}
	to, newName, errno := c.at(int32(newFd), uint32(newPath), uint32(newLen), newRight)
	if errno != 0 {
		return nil, "", "", errno
	}
	if from.fs != to.fs {
		return nil, "", "", errnoXdev
	}
	return from.fs, oldName, newName, 0
}

// pathSymlink creates a symlink; its target is text, resolved (inside the
// mount) only when the link is followed.
func pathSymlink(c *wasiCall, p []uint64) wasiErrno {
	dir, name, errno := c.at(int32(p[2]), uint32(p[3]), uint32(p[4]), rightPathSymlink)
	if errno != 0 {
		return errno
	}
	if uint32(p[1]) == 0 || uint32(p[4]) == 0 {
		return errnoInval
	}
	target, ok := c.mem.Read(uint32(p[0]), uint32(p[1]))
	if !ok {
		return errnoFault
	}
	return errnoFrom(dir.fs.Symlink(string(target), name))
}

package wasip1

import (
	"io"
	"math"

	"github.com/gowasm/gowasm/gohost/internal/sandbox"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// WASI preview 1 rights: what a descriptor may be used for. wazero reports
// fixed rights and cannot drop them; gowasm tracks them per descriptor
// (see descriptor) so that a guest can hand out a narrower descriptor
// (fd_fdstat_set_rights) and a file opened read-only says so.
const (
	rightFdDatasync uint64 = 1 << iota
	RightFdRead
	rightFdSeek
	rightFdstatSetFlags
	rightFdSync
	rightFdTell
	rightFdWrite
	rightFdAdvise
	rightFdAllocate
	rightPathCreateDirectory
	rightPathCreateFile
	rightPathLinkSource
	rightPathLinkTarget
	rightPathOpen
	rightFdReaddir
	rightPathReadlink
	rightPathRenameSource
	rightPathRenameTarget
	rightPathFilestatGet
	rightPathFilestatSetSize
	rightPathFilestatSetTimes
	rightFdFilestatGet
	rightFdFilestatSetSize
	rightFdFilestatSetTimes
	rightPathSymlink
	rightPathRemoveDirectory
	rightPathUnlinkFile
	rightPollFdReadwrite
)

// The rights a descriptor starts with, as wazero reports them: what a
// file and a directory can do at all.
const (
	fileRights = rightFdDatasync | RightFdRead | rightFdSeek | rightFdstatSetFlags | rightFdSync |
		rightFdTell | rightFdWrite | rightFdAdvise | rightFdAllocate | rightFdFilestatGet |
		rightFdFilestatSetSize | rightFdFilestatSetTimes | rightPollFdReadwrite
	dirRights = rightFdDatasync | rightFdstatSetFlags | rightFdSync | rightPathCreateDirectory |
		rightPathCreateFile | rightPathLinkSource | rightPathLinkTarget | rightPathOpen |
		rightFdReaddir | rightPathReadlink | rightPathRenameSource | rightPathRenameTarget |
		rightPathFilestatGet | rightPathFilestatSetSize | rightPathFilestatSetTimes |
		rightFdFilestatGet | rightFdFilestatSetTimes | rightPathSymlink |
		rightPathRemoveDirectory | rightPathUnlinkFile
)

// rightsOf returns a descriptor's rights: a descriptor's own, else (stdio,
// preopens, until their rights are dropped) those of its file type.
func rightsOf(f experimentalsys.File, filetype uint8) (base, inheriting uint64) {
	if d, ok := f.(*Descriptor); ok {
		return d.Base, d.inheriting
	}
	switch filetype {
	case filetypeDirectory:
		return dirRights, fileRights | dirRights
	case filetypeCharacterDevice: // a terminal cannot seek (wasi-libc's isatty checks)
		return fileRights &^ (rightFdSeek | rightFdTell), 0
	}
	return fileRights, 0
}

// Descriptor is a file with rights of its own: every file path_open
// opens, and stdio or a preopen once the guest drops rights from it. Each
// operation wazero's WASI functions call on a file checks its right here,
// so the checks cost nothing on descriptors that have all rights (stdio,
// preopens) and one comparison on the others. wazero's Errno has no
// ENOTCAPABLE: a missing right answers EBADF, as POSIX does for writing to
// a descriptor opened read-only.
type Descriptor struct {
	experimentalsys.File
	Base, inheriting uint64
	// syncFlags are the fdflags DSYNC, RSYNC and SYNC it was opened with,
	// which no File method reports (fd_fdstat_set_flags cannot change them).
	syncFlags uint16
	// counted: path_open opened it, and it counts in sandbox.GuestFiles until it
	// closes.
	counted bool
}

// Close implements experimentalsys.File. wazero closes every descriptor
// of a guest when its module closes, so a guest's files always leave
// sandbox.GuestFiles.
func (d *Descriptor) Close() experimentalsys.Errno {
	if d.counted {
		d.counted = false
		sandbox.GuestFiles.Add(-1)
	}
	return d.File.Close()
}

func (d *Descriptor) can(right uint64) experimentalsys.Errno {
	if d.Base&right != right {
		return experimentalsys.EBADF
	}
	return 0
}

// Read, Pread, Write and Pwrite each check their right and delegate. They
// look alike (the duplicates tool pairs them) and stay plain: a shared
// helper would take a method value per call and be no shorter.

// Read implements experimentalsys.File.
func (d *Descriptor) Read(buf []byte) (int, experimentalsys.Errno) {
	if errno := d.can(RightFdRead); errno != 0 {
		return 0, errno
	}
	return d.File.Read(buf)
}

// Pread implements experimentalsys.File.
func (d *Descriptor) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if errno := d.can(RightFdRead); errno != 0 {
		return 0, errno
	}
	return d.File.Pread(buf, off)
}

// Write implements experimentalsys.File.
func (d *Descriptor) Write(buf []byte) (int, experimentalsys.Errno) {
	if errno := d.can(rightFdWrite); errno != 0 {
		return 0, errno
	}
	return d.File.Write(buf)
}

// Pwrite implements experimentalsys.File.
func (d *Descriptor) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if errno := d.can(rightFdWrite); errno != 0 {
		return 0, errno
	}
	return d.File.Pwrite(buf, off)
}

// Seek implements experimentalsys.File: fd_tell is a seek by nothing from
// the current offset, which the tell right allows too, and fd_readdir
// rewinds a directory (fd_seek refuses directories before asking).
func (d *Descriptor) Seek(offset int64, whence int) (int64, experimentalsys.Errno) {
	right := rightFdSeek
	switch {
	case offset == 0 && whence == io.SeekCurrent && d.Base&rightFdTell != 0:
		right = rightFdTell
	case offset == 0 && whence == io.SeekStart && d.Base&rightFdReaddir != 0:
		right = rightFdReaddir
	}
	if errno := d.can(right); errno != 0 {
		return 0, errno
	}
	return d.File.Seek(offset, whence)
}

// Readdir implements experimentalsys.File.
func (d *Descriptor) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if errno := d.can(rightFdReaddir); errno != 0 {
		return nil, errno
	}
	return d.File.Readdir(n)
}

// Truncate implements experimentalsys.File, for fd_filestat_set_size
// (fdAllocate checks its own right).
func (d *Descriptor) Truncate(size int64) experimentalsys.Errno {
	if errno := d.can(rightFdFilestatSetSize); errno != 0 {
		return errno
	}
	return d.File.Truncate(size)
}

// Sync implements experimentalsys.File.
func (d *Descriptor) Sync() experimentalsys.Errno {
	if errno := d.can(rightFdSync); errno != 0 {
		return errno
	}
	return d.File.Sync()
}

// Datasync implements experimentalsys.File.
func (d *Descriptor) Datasync() experimentalsys.Errno {
	if errno := d.can(rightFdDatasync); errno != 0 {
		return errno
	}
	return d.File.Datasync()
}

// Utimens implements experimentalsys.File.
func (d *Descriptor) Utimens(atim, mtim int64) experimentalsys.Errno {
	if errno := d.can(rightFdFilestatSetTimes); errno != 0 {
		return errno
	}
	return d.File.Utimens(atim, mtim)
}

// SetAppend implements experimentalsys.File.
func (d *Descriptor) SetAppend(enable bool) experimentalsys.Errno {
	if errno := d.can(rightFdstatSetFlags); errno != 0 {
		return errno
	}
	return d.File.SetAppend(enable)
}

// fdFdstatGet is fd_fdstat_get with the descriptor's own rights and the
// sync flags it was opened with (wazero reports neither).
func fdFdstatGet(c *wasiCall, p []uint64) wasiErrno {
	f, st, base, inheriting, errno := c.described(int32(p[0]))
	if errno != 0 {
		return errno
	}
	var flags uint16
	if f.IsAppend() {
		flags |= fdflagAppend
	}
	if pf, ok := unwrap(f).(experimentalsys.PollableFile); ok && pf.IsNonblock() {
		flags |= fdflagNonblock
	}
	if d, ok := f.(*Descriptor); ok {
		flags |= d.syncFlags
	}
	buf, ok := c.mem.Read(uint32(p[1]), 24)
	if !ok {
		return errnoFault
	}
	clear(buf)
	buf[0] = filetypeOf(st.Mode)
	le.PutUint16(buf[2:], flags)
	le.PutUint64(buf[8:], base)
	le.PutUint64(buf[16:], inheriting)
	return 0
}

// fdFdstatSetRights drops rights from a descriptor; asking for a right it
// does not have is ENOTCAPABLE. wazero answers ENOSYS.
func fdFdstatSetRights(c *wasiCall, p []uint64) wasiErrno {
	base, inheriting := p[1], p[2]
	f, _, haveBase, haveInheriting, errno := c.described(int32(p[0]))
	if errno != 0 {
		return errno
	}
	if base&^haveBase != 0 || inheriting&^haveInheriting != 0 {
		return ErrnoNotcapable
	}
	if d, ok := f.(*Descriptor); ok {
		d.Base, d.inheriting = base, inheriting
	} else {
		e, _ := c.fds.Get(int32(p[0]))
		e.Replace(&Descriptor{File: f, Base: base, inheriting: inheriting})
	}
	return 0
}

// fdAllocate is fd_allocate, which needs its right: wazero's grows a
// directory's size without asking, so succeeds on one.
func fdAllocate(c *wasiCall, p []uint64) wasiErrno {
	f, st, base, _, errno := c.described(int32(p[0]))
	if errno != 0 {
		return errno
	}
	if base&rightFdAllocate == 0 {
		return ErrnoNotcapable
	}
	offset, length := p[1], p[2]
	if offset > math.MaxInt64 || length > math.MaxInt64-offset {
		return errnoInval // past the largest file size (the sum would wrap)
	}
	end := int64(offset + length)
	if st.Size >= end {
		return 0
	}
	return errnoFrom(unwrap(f).Truncate(end))
}

// described looks up descriptor fd: its file, its stat and its rights.
func (c *wasiCall) described(fd int32) (f experimentalsys.File, st sys.Stat_t, base, inheriting uint64, errno wasiErrno) {
	e, ok := c.fds.Get(fd)
	if !ok {
		return nil, st, 0, 0, ErrnoBadf
	}
	f = e.File()
	st, errno2 := f.Stat()
	if errno2 != 0 {
		return nil, st, 0, 0, errnoFrom(errno2)
	}
	base, inheriting = rightsOf(f, filetypeOf(st.Mode))
	return f, st, base, inheriting, 0
}

// unwrap returns the file a descriptor holds.
func unwrap(f experimentalsys.File) experimentalsys.File {
	if d, ok := f.(*Descriptor); ok {
		return d.File
	}
	return f
}

// pathOpen is path_open with rights. The directory must have the rights
// the open needs (to open, create, truncate). The new descriptor has the
// rights of its file type that the directory passes on (its inheriting
// rights), fd_read and fd_write as its open mode allows. The rights asked
// for choose that mode, as in wazero, and narrow nothing else: toolchains
// ask for fewer rights than they use (Go's os.Root opens a directory with
// read rights, then creates and truncates files in it), and wasmtime does
// not narrow either. A guest narrows a descriptor with fd_fdstat_set_rights.
func pathOpen(c *wasiCall, p []uint64) wasiErrno {
	dirflags, oflags, fdflags := uint16(p[1]), uint16(p[4]), uint16(p[7])
	need := rightPathOpen
	if oflags&oflagCreat != 0 {
		need |= rightPathCreateFile
	}
	if oflags&oflagTrunc != 0 {
		need |= rightPathFilestatSetSize
	}
	dir, name, errno := c.at(int32(p[0]), uint32(p[2]), uint32(p[3]), need)
	if errno != 0 {
		return errno
	}
	if uint32(p[3]) == 0 {
		return errnoInval
	}
	flag := withinRights(openFlags(dirflags, oflags, fdflags, p[5]), dir.inheriting)
	isDir := flag&experimentalsys.O_DIRECTORY != 0
	if isDir && oflags&oflagCreat != 0 {
		return errnoInval // path_create_directory creates directories
	}
	if !sandbox.TakeGuestFile() {
		return ErrnoNfile
	}
	f, errno2 := dir.fs.OpenFile(name, flag, 0o600)
	if errno2 != 0 {
		sandbox.GuestFiles.Add(-1)
		return errnoFrom(errno2)
	}
	st, errno2 := f.Stat()
	if errno2 == 0 && isDir && !st.Mode.IsDir() {
		errno2 = experimentalsys.ENOTDIR
	}
	if errno2 != 0 {
		_ = f.Close()
		sandbox.GuestFiles.Add(-1)
		return errnoFrom(errno2)
	}
	base, inheriting := rightsOf(f, filetypeOf(st.Mode)) // what its type can do (a directory cannot seek)
	base &^= (RightFdRead | rightFdWrite) &^ modeRights(flag)
	d := &Descriptor{File: f, Base: base & dir.inheriting, inheriting: inheriting & dir.inheriting,
		syncFlags: fdflags & (fdflagDsync | fdflagRsync | fdflagSync), counted: true}
	fd, errno2 := c.fds.Insert(dir.fs, name, d)
	if errno2 != 0 {
		return errnoFrom(errno2)
	}
	if fd >= sandbox.MaxOpenFiles() {
		// wazero gives the lowest free number: fd is past the limit only
		// when every number below it is open.
		_ = c.fds.FSContext.CloseFile(fd)
		return errnoMfile
	}
	if !c.mem.WriteUint32Le(uint32(p[8]), uint32(fd)) {
		_ = c.fds.FSContext.CloseFile(fd)
		return errnoFault
	}
	return 0
}

// withinRights drops from an open mode what rights do not allow: reading
// without fd_read, writing without fd_write.
func withinRights(flag experimentalsys.Oflag, rights uint64) experimentalsys.Oflag {
	modes := experimentalsys.O_RDONLY | experimentalsys.O_WRONLY | experimentalsys.O_RDWR
	mode := flag & modes
	if rights&rightFdWrite == 0 {
		mode = experimentalsys.O_RDONLY
	} else if mode == experimentalsys.O_RDWR && rights&RightFdRead == 0 {
		mode = experimentalsys.O_WRONLY
	}
	return flag&^modes | mode
}

// modeRights are the rights an open mode gives: fd_read, fd_write.
func modeRights(flag experimentalsys.Oflag) uint64 {
	switch flag & (experimentalsys.O_RDONLY | experimentalsys.O_WRONLY | experimentalsys.O_RDWR) {
	case experimentalsys.O_RDWR:
		return RightFdRead | rightFdWrite
	case experimentalsys.O_WRONLY:
		return rightFdWrite
	}
	return RightFdRead
}

// openFlags converts path_open's flags to wazero's, as wazero does: the
// open mode comes from the read and write rights asked for, else from
// flags that imply writing.
func openFlags(dirflags, oflags, fdflags uint16, rights uint64) (flag experimentalsys.Oflag) {
	if dirflags&lookupSymlinkFollow == 0 {
		flag |= experimentalsys.O_NOFOLLOW
	}
	if oflags&oflagDirectory != 0 {
		flag |= experimentalsys.O_DIRECTORY
	} else if oflags&oflagExcl != 0 {
		flag |= experimentalsys.O_EXCL
	}
	mode := experimentalsys.O_RDONLY
	for _, f := range [...]struct {
		wasi   uint16
		sys    experimentalsys.Oflag
		writes bool
		ofdfl  bool
	}{
		{oflagTrunc, experimentalsys.O_TRUNC, true, false},
		{oflagCreat, experimentalsys.O_CREAT, true, false},
		{fdflagNonblock, experimentalsys.O_NONBLOCK, false, true},
		{fdflagAppend, experimentalsys.O_APPEND, true, true},
		{fdflagDsync, experimentalsys.O_DSYNC, false, true},
		{fdflagRsync, experimentalsys.O_RSYNC, false, true},
		{fdflagSync, experimentalsys.O_SYNC, false, true},
	} {
		set := oflags&f.wasi != 0
		if f.ofdfl {
			set = fdflags&f.wasi != 0
		}
		if set {
			flag |= f.sys
			if f.writes {
				mode = experimentalsys.O_RDWR
			}
		}
	}
	switch rights & (RightFdRead | rightFdWrite) {
	case RightFdRead | rightFdWrite:
		mode = experimentalsys.O_RDWR
	case rightFdWrite:
		mode = experimentalsys.O_WRONLY
	case RightFdRead:
		mode = experimentalsys.O_RDONLY
	}
	return flag | mode
}

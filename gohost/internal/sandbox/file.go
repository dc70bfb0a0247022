package sandbox

import (
	"io"
	"io/fs"
	"os"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// rootFile is a file or directory of a mount (see rootFS). It is wazero's
// own os-backed file, rewritten because wazero's is internal and reopens
// files by host path, which would leave the root: here a file is reopened
// through the root, and a directory through its own descriptor.
type rootFile struct {
	experimentalsys.UnimplementedFile
	fs   *rootFS
	name string // relative to the mount, for reopening through the root
	flag experimentalsys.Oflag
	file *os.File
	fd   uintptr

	closed bool
	// reopenDir makes the next Readdir start again from the first entry,
	// seeing entries added since the directory was opened (POSIX leaves
	// that unspecified for an open directory stream).
	reopenDir bool
	// stat caches what cannot change while the file is open.
	stat *struct {
		dev   uint64
		ino   sys.Inode
		isDir bool
	}
}

func newRootFile(fsys *rootFS, name string, flag experimentalsys.Oflag, f *os.File) *rootFile {
	return &rootFile{fs: fsys, name: name, flag: flag, file: f, fd: f.Fd(), reopenDir: true}
}

func (f *rootFile) cached() (dev uint64, ino sys.Inode, isDir bool, errno experimentalsys.Errno) {
	if f.stat == nil {
		if _, errno = f.Stat(); errno != 0 {
			return
		}
	}
	return f.stat.dev, f.stat.ino, f.stat.isDir, 0
}

// Dev implements experimentalsys.File.
func (f *rootFile) Dev() (uint64, experimentalsys.Errno) {
	dev, _, _, errno := f.cached()
	return dev, errno
}

// Ino implements experimentalsys.File.
func (f *rootFile) Ino() (sys.Inode, experimentalsys.Errno) {
	_, ino, _, errno := f.cached()
	return ino, errno
}

// IsDir implements experimentalsys.File.
func (f *rootFile) IsDir() (bool, experimentalsys.Errno) {
	_, _, isDir, errno := f.cached()
	return isDir, errno
}

// IsAppend implements experimentalsys.File.
func (f *rootFile) IsAppend() bool { return f.flag&experimentalsys.O_APPEND != 0 }

// SetAppend implements experimentalsys.File: Go fixes a file's append mode
// when it opens it, so the file is reopened (through the root).
func (f *rootFile) SetAppend(enable bool) experimentalsys.Errno {
	if enable {
		f.flag |= experimentalsys.O_APPEND
	} else {
		f.flag &^= experimentalsys.O_APPEND
	}
	return f.fileErr(f.reopen())
}

// reopen replaces the descriptor with a new one of the same file, at the
// same offset, with the current flags.
func (f *rootFile) reopen() experimentalsys.Errno {
	isDir, errno := f.IsDir()
	if errno != 0 {
		return errno
	}
	var file *os.File
	var offset int64
	var err error
	if isDir {
		// Through the directory itself: its name may have changed since.
		file, err = openAt(f.file, ".", os.O_RDONLY|platformOpenFlag(experimentalsys.O_DIRECTORY), 0)
	} else {
		if offset, err = f.file.Seek(0, io.SeekCurrent); err != nil {
			return errnoOf(err)
		}
		flag := f.flag &^ (experimentalsys.O_CREAT | experimentalsys.O_TRUNC | experimentalsys.O_EXCL | experimentalsys.O_NOFOLLOW)
		file, err = f.fs.root.OpenFile(f.name, openFlag(flag), 0)
	}
	if err != nil {
		return errnoOf(err)
	}
	if errno := f.sameFile(file); errno != 0 {
		file.Close()
		return errno
	}
	if !isDir {
		if _, err = file.Seek(offset, io.SeekStart); err != nil {
			file.Close()
			return errnoOf(err)
		}
	}
	f.file.Close()
	f.file, f.fd = file, file.Fd()
	return 0
}

func (f *rootFile) sameFile(other *os.File) experimentalsys.Errno {
	a, err := f.file.Stat()
	if err != nil {
		return errnoOf(err)
	}
	b, err := other.Stat()
	if err != nil {
		return errnoOf(err)
	}
	if !os.SameFile(a, b) {
		return experimentalsys.ENOENT // it was replaced since it was opened
	}
	return 0
}

// IsNonblock implements experimentalsys.File.
func (f *rootFile) IsNonblock() bool { return f.flag&experimentalsys.O_NONBLOCK != 0 }

// SetNonblock implements experimentalsys.File.
func (f *rootFile) SetNonblock(enable bool) experimentalsys.Errno {
	if enable {
		f.flag |= experimentalsys.O_NONBLOCK
	} else {
		f.flag &^= experimentalsys.O_NONBLOCK
	}
	return f.fileErr(setNonblock(f.fd, enable))
}

// Stat implements experimentalsys.File.
func (f *rootFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.closed {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	fi, err := f.file.Stat()
	if err != nil {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	st := sys.NewStat_t(fi)
	f.stat = &struct {
		dev   uint64
		ino   sys.Inode
		isDir bool
	}{st.Dev, st.Ino, st.Mode&fs.ModeDir != 0}
	return st, 0
}

// Read implements experimentalsys.File.
func (f *rootFile) Read(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.file.Read(buf)
	return n, f.fileErr(errnoOf(eofIsNil(err)))
}

// Pread implements experimentalsys.File.
func (f *rootFile) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.file.ReadAt(buf, off)
	return n, f.fileErr(errnoOf(eofIsNil(err)))
}

// Seek implements experimentalsys.File.
func (f *rootFile) Seek(offset int64, whence int) (int64, experimentalsys.Errno) {
	if uint(whence) > io.SeekEnd {
		return 0, experimentalsys.EINVAL
	}
	if offset == 0 && whence == io.SeekStart {
		if isDir, errno := f.IsDir(); errno == 0 && isDir {
			// Rewinding a directory: read it afresh, through a new
			// descriptor (unix refuses to seek one; Windows seeks, and
			// Wine then lists what the directory held when first read).
			f.reopenDir = true
			return 0, 0
		}
	}
	n, err := f.file.Seek(offset, whence)
	return n, f.fileErr(errnoOf(err))
}

// Readdir implements experimentalsys.File.
func (f *rootFile) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if f.reopenDir {
		f.reopenDir = false
		if errno := f.dirErr(f.reopen()); errno != 0 {
			return nil, errno
		}
	}
	// Go stats the entries relative to the directory's descriptor (fstatat).
	fis, err := f.file.Readdir(n)
	if errno := f.dirErr(errnoOf(eofIsNil(err))); errno != 0 {
		return nil, errno
	}
	dirents := make([]experimentalsys.Dirent, 0, len(fis))
	for _, fi := range fis {
		dirents = append(dirents, experimentalsys.Dirent{Name: fi.Name(), Ino: sys.NewStat_t(fi).Ino, Type: fi.Mode().Type()})
	}
	return dirents, 0
}

// Write implements experimentalsys.File.
func (f *rootFile) Write(buf []byte) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.file.Write(buf)
	return n, f.fileErr(errnoOf(err))
}

// Pwrite implements experimentalsys.File.
func (f *rootFile) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := pwrite(f.file, buf, off)
	return n, f.fileErr(errnoOf(err))
}

// Truncate implements experimentalsys.File.
func (f *rootFile) Truncate(size int64) experimentalsys.Errno {
	if size < 0 {
		return experimentalsys.EINVAL
	}
	return f.fileErr(errnoOf(f.file.Truncate(size)))
}

// Sync implements experimentalsys.File.
func (f *rootFile) Sync() experimentalsys.Errno { return f.fileErr(errnoOf(f.file.Sync())) }

// Datasync implements experimentalsys.File.
func (f *rootFile) Datasync() experimentalsys.Errno { return f.fileErr(datasync(f.file)) }

// Utimens implements experimentalsys.File.
func (f *rootFile) Utimens(atim, mtim int64) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	return futimens(f.fd, atim, mtim)
}

// Close implements experimentalsys.File.
func (f *rootFile) Close() experimentalsys.Errno {
	if f.closed {
		return 0
	}
	f.closed = true
	return errnoOf(f.file.Close())
}

// fileErr and dirErr turn a failure into the error the File contract
// names: EBADF once closed, EISDIR for a file operation on a directory,
// ENOTDIR for a directory operation on a file.
func (f *rootFile) fileErr(errno experimentalsys.Errno) experimentalsys.Errno {
	return f.validate(errno, true)
}

func (f *rootFile) dirErr(errno experimentalsys.Errno) experimentalsys.Errno {
	errno = f.validate(errno, false)
	switch errno {
	case experimentalsys.EINVAL, experimentalsys.ENOTDIR:
		return experimentalsys.EBADF // the errors Readdir may return
	}
	return errno
}

func (f *rootFile) validate(errno experimentalsys.Errno, wantFile bool) experimentalsys.Errno {
	if errno == 0 {
		return 0
	}
	if f.closed {
		return experimentalsys.EBADF
	}
	isDir, e := f.IsDir()
	switch {
	case e != 0:
		return e
	case wantFile && isDir:
		return experimentalsys.EISDIR
	case !wantFile && !isDir:
		return experimentalsys.ENOTDIR
	}
	return errno
}

func eofIsNil(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/windows"
)

// Windows has no *at calls, but its native API (ntdll) opens a name
// relative to a directory handle (OBJECT_ATTRIBUTES.RootDirectory), and
// renames, deletes and sets times through the handle it opened. The name
// is then a plain name in a directory os.Root opened: os.Root resolved
// (and confined) every component before it, and FILE_OPEN_REPARSE_POINT
// keeps the last one from being followed. A name is first checked as
// os.Root checks its paths (filepath.IsLocal): no drive, no colon (so no
// alternate data stream), no reserved device name (CON, NUL, COM1.txt...),
// and no backslash, which Windows reads as a separator.

// noFollowFlag: openAt never follows the last component here.
const noFollowFlag = 0

// Reparse point tags Go's os reads as symbolic links (a junction is a
// mount point): opening one without following it is ELOOP, as
// openat(O_NOFOLLOW) on a symlink.
func isLink(tag uint32) bool {
	return tag == windows.IO_REPARSE_TAG_SYMLINK || tag == windows.IO_REPARSE_TAG_MOUNT_POINT
}

// plainName is name without the slashes that follow it (lastName keeps
// them), and whether there were any: then only a directory will do, as
// POSIX reads "d/". The dots and spaces that end a name go too, as Win32
// and os.Root drop them ("a. " is "a", ".. " is ".."): the native calls
// would keep them, and make names no Win32 program reaches, or reads as
// another (".. " as the parent).
func plainName(name string) (string, bool, error) {
	trimmed := strings.TrimRight(name, "/")
	if trimmed == "." {
		return "", false, nil // the directory itself
	}
	slash := trimmed != name
	if trimmed = strings.TrimRight(trimmed, ". "); strings.ContainsRune(trimmed, '\\') || !filepath.IsLocal(trimmed) {
		return "", false, experimentalsys.EPERM // as os.Root refuses a path that would leave it
	}
	return trimmed, slash, nil
}

// ntOpen opens name relative to dir with NtCreateFile, never following a
// last component that is a reparse point.
func ntOpen(dir *os.File, name string, access, disposition, options uint32) (windows.Handle, error) {
	var uname *windows.NTUnicodeString
	var err error
	if uname, err = windows.NewNTUnicodeString(name); err != nil {
		return 0, experimentalsys.EINVAL
	}
	oa := windows.OBJECT_ATTRIBUTES{
		RootDirectory: windows.Handle(dir.Fd()),
		ObjectName:    uname,
		Attributes:    windows.OBJ_CASE_INSENSITIVE,
	}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var h windows.Handle
	err = windows.NtCreateFile(&h, access|windows.SYNCHRONIZE|windows.FILE_READ_ATTRIBUTES, &oa,
		&windows.IO_STATUS_BLOCK{}, nil, windows.FILE_ATTRIBUTE_NORMAL,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, disposition,
		options|windows.FILE_OPEN_REPARSE_POINT|windows.FILE_OPEN_FOR_BACKUP_INTENT|windows.FILE_SYNCHRONOUS_IO_NONALERT, 0, 0)
	if err != nil {
		return 0, ntErrno(err)
	}
	return h, nil
}

// fileAttributeTagInfo is FILE_ATTRIBUTE_TAG_INFO.
type fileAttributeTagInfo struct {
	FileAttributes uint32
	ReparseTag     uint32
}

// kindOf tells whether h is a symlink or junction, and otherwise a directory.
func kindOf(h windows.Handle) (link, dir bool, err error) {
	var info fileAttributeTagInfo
	if err = windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo, (*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		return false, false, err
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 && isLink(info.ReparseTag) {
		return true, false, nil
	}
	return false, info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0, nil
}

// openAt opens name, a plain name (or "." for dir itself), in dir, not
// following it: a symlink or junction there is ELOOP.
func openAt(dir *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
	name, slash, err := plainName(name)
	if err != nil {
		return nil, err
	}
	var access uint32
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_WRONLY:
		access = windows.FILE_GENERIC_WRITE
	case os.O_RDWR:
		access = windows.FILE_GENERIC_READ | windows.FILE_GENERIC_WRITE
	default:
		access = windows.FILE_GENERIC_READ
	}
	if flag&os.O_APPEND != 0 {
		// Writes go to the end: no FILE_WRITE_DATA (as Go's own open).
		access = access&^windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA
	}
	disposition := uint32(windows.FILE_OPEN)
	switch {
	case flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		disposition = windows.FILE_CREATE
	case flag&os.O_CREATE != 0:
		disposition = windows.FILE_OPEN_IF
	}
	if flag&os.O_TRUNC != 0 {
		access |= windows.FILE_WRITE_DATA
	}
	var options uint32
	if slash {
		options = windows.FILE_DIRECTORY_FILE
	}
	h, err := ntOpen(dir, name, access, disposition, options)
	if err != nil {
		return nil, err
	}
	// A directory is EISDIR for writing or truncating, as open(2) (Go's
	// own open asks FILE_NON_DIRECTORY_FILE; here that would answer
	// EISDIR for a symlink to a directory, which is ELOOP).
	if link, dir, err := kindOf(h); err != nil || link || dir && flag&(os.O_WRONLY|os.O_RDWR|os.O_TRUNC) != 0 {
		windows.CloseHandle(h)
		switch {
		case err != nil:
		case link:
			err = experimentalsys.ELOOP
		default:
			err = experimentalsys.EISDIR
		}
		return nil, err
	}
	if flag&os.O_TRUNC != 0 {
		if err := windows.Ftruncate(h, 0); err != nil {
			windows.CloseHandle(h)
			return nil, err
		}
	}
	return os.NewFile(uintptr(h), filepath.Join(dir.Name(), name)), nil
}

// fileDispositionInformationEx is FILE_DISPOSITION_INFORMATION_EX's class.
const fileDispositionInformationEx = 64

// removeAt removes name, a plain name, from dir: only a directory (not a
// symlink to one) if isDir, only something else otherwise. The file goes
// with POSIX semantics where Windows offers them (10 1607 and later: the
// name is gone at once, even while the file is open elsewhere), else when
// its last handle closes.
func removeAt(dir *os.File, name string, isDir bool) error {
	name, slash, err := plainName(name)
	if err != nil {
		return err
	}
	if name == "" {
		return experimentalsys.EINVAL
	}
	h, err := ntOpen(dir, name, windows.DELETE, windows.FILE_OPEN, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	// A symlink or junction is not a directory here: unlink removes it, rmdir refuses it.
	_, directory, err := kindOf(h)
	switch {
	case err != nil:
		return err
	case isDir && !directory, slash && !directory:
		return experimentalsys.ENOTDIR
	case !isDir && directory:
		return experimentalsys.EISDIR
	}
	flags := uint32(windows.FILE_DISPOSITION_DELETE | windows.FILE_DISPOSITION_POSIX_SEMANTICS | windows.FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE)
	err = windows.NtSetInformationFile(h, &windows.IO_STATUS_BLOCK{}, (*byte)(unsafe.Pointer(&flags)), 4, fileDispositionInformationEx)
	switch err {
	case nil:
		return nil
	case windows.STATUS_INVALID_INFO_CLASS, windows.STATUS_INVALID_PARAMETER, windows.STATUS_NOT_SUPPORTED,
		windows.STATUS_NOT_IMPLEMENTED: // (Wine 8: STATUS_NOT_IMPLEMENTED)
		deleteFile := uint32(1) // FILE_DISPOSITION_INFORMATION{DeleteFile: TRUE}
		return ntErrno(windows.NtSetInformationFile(h, &windows.IO_STATUS_BLOCK{}, (*byte)(unsafe.Pointer(&deleteFile)), 4, windows.FileDispositionInformation))
	}
	return ntErrno(err)
}

func setNonblock(uintptr, bool) experimentalsys.Errno { return experimentalsys.ENOSYS }

func platformOpenFlag(experimentalsys.Oflag) int { return 0 }

// pwrite is WriteAt: a file opened for appending has no right to write
// anywhere else on Windows (FILE_APPEND_DATA alone), and Go refuses too.
func pwrite(f *os.File, buf []byte, off int64) (int, error) { return f.WriteAt(buf, off) }

// lutimensAt sets the times of name itself, a plain name in dir;
// UTIME_OMIT leaves a time as it is (SetFileTime's nil).
func lutimensAt(dir *os.File, name string, atim, mtim int64) error {
	name, _, err := plainName(name)
	if err != nil {
		return err
	}
	if name == "" {
		name = "."
	}
	h, err := ntOpen(dir, name, windows.FILE_WRITE_ATTRIBUTES, windows.FILE_OPEN, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	ft := func(ns int64) *windows.Filetime {
		if ns == experimentalsys.UTIME_OMIT {
			return nil
		}
		t := windows.NsecToFiletime(ns)
		return &t
	}
	return windows.SetFileTime(h, nil, ft(atim), ft(mtim))
}

// fileRenameInformation is FILE_RENAME_INFORMATION with room for a name
// as long as a file system takes (255 UTF-16 units and more).
type fileRenameInformation struct {
	ReplaceIfExists uint8
	_               [7]byte
	RootDirectory   windows.Handle
	FileNameLength  uint32
	FileName        [windows.MAX_PATH]uint16
}

// renameAt renames a plain name in one directory to one in another, as
// POSIX rename: it replaces a file, or an empty directory with a
// directory (Windows replaces no directory: the empty one is removed
// first, so that step is not atomic).
func renameAt(fromDir *os.File, fromName string, toDir *os.File, toName string) error {
	fromName, fromSlash, err := plainName(fromName)
	if err != nil {
		return err
	}
	toName, toSlash, err := plainName(toName)
	if err != nil {
		return err
	}
	if fromName == "" || toName == "" {
		return experimentalsys.EINVAL
	}
	h, err := ntOpen(fromDir, fromName, windows.DELETE, windows.FILE_OPEN, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	_, fromIsDir, err := kindOf(h)
	if err != nil {
		return err
	}
	if (fromSlash || toSlash) && !fromIsDir {
		return experimentalsys.ENOTDIR
	}
	if t, err := ntOpen(toDir, toName, 0, windows.FILE_OPEN, 0); err == nil {
		_, toIsDir, err := kindOf(t)
		same := err == nil && sameFile(h, t)
		windows.CloseHandle(t)
		switch {
		case err != nil:
			return err
		case same:
			// The same name in another case: a rename to that spelling,
			// not over another file (the empty directory removed would be
			// the one renamed).
		case toIsDir && !fromIsDir:
			return experimentalsys.EISDIR
		case !toIsDir && fromIsDir:
			return experimentalsys.ENOTDIR
		case toIsDir:
			if err := removeAt(toDir, toName, true); err != nil {
				return err // ENOTEMPTY
			}
		}
	}
	name, err := windows.UTF16FromString(toName)
	if err != nil {
		return experimentalsys.EINVAL
	}
	info := fileRenameInformation{ReplaceIfExists: 1, RootDirectory: windows.Handle(toDir.Fd())}
	if len(name) > len(info.FileName) {
		return experimentalsys.ENAMETOOLONG
	}
	copy(info.FileName[:], name)
	info.FileNameLength = uint32(2 * (len(name) - 1))
	return ntErrno(windows.NtSetInformationFile(h, &windows.IO_STATUS_BLOCK{}, (*byte)(unsafe.Pointer(&info)),
		uint32(unsafe.Sizeof(info)), windows.FileRenameInformation))
}

// sameFile tells whether two handles are of one file (a case-insensitive
// name finds the file itself).
func sameFile(a, b windows.Handle) bool {
	var x, y windows.ByHandleFileInformation
	if windows.GetFileInformationByHandle(a, &x) != nil || windows.GetFileInformationByHandle(b, &y) != nil {
		return false
	}
	return x.VolumeSerialNumber == y.VolumeSerialNumber && x.FileIndexHigh == y.FileIndexHigh && x.FileIndexLow == y.FileIndexLow
}

// ntErrno converts an NTSTATUS to the errno POSIX names for it (wazero
// maps Windows' own error codes coarsely: access denied is EBADF there).
func ntErrno(err error) error {
	st, ok := err.(windows.NTStatus)
	if !ok {
		return err
	}
	switch st {
	case windows.STATUS_OBJECT_NAME_NOT_FOUND, windows.STATUS_OBJECT_PATH_NOT_FOUND, windows.STATUS_DELETE_PENDING:
		return experimentalsys.ENOENT
	case windows.STATUS_OBJECT_NAME_COLLISION:
		return experimentalsys.EEXIST
	case windows.STATUS_FILE_IS_A_DIRECTORY:
		return experimentalsys.EISDIR
	case windows.STATUS_NOT_A_DIRECTORY:
		return experimentalsys.ENOTDIR
	case windows.STATUS_DIRECTORY_NOT_EMPTY:
		return experimentalsys.ENOTEMPTY
	case windows.STATUS_ACCESS_DENIED, windows.STATUS_CANNOT_DELETE, windows.STATUS_SHARING_VIOLATION:
		return experimentalsys.EACCES
	case windows.STATUS_OBJECT_NAME_INVALID:
		return experimentalsys.EINVAL
	}
	return st.Errno()
}

package main

import "unsafe"

// The WASI calls behind "rawls", made directly: Go's os package always
// asks path_open to follow symlinks, an attacker need not.

//go:wasmimport wasi_snapshot_preview1 path_open
func pathOpen(fd int32, dirflags int32, path unsafe.Pointer, pathLen int32, oflags int32, rightsBase, rightsInheriting int64, fdflags int32, out unsafe.Pointer) int32

//go:wasmimport wasi_snapshot_preview1 fd_readdir
func fdReaddir(fd int32, buf unsafe.Pointer, bufLen int32, cookie int64, used unsafe.Pointer) int32

//go:wasmimport wasi_snapshot_preview1 fd_filestat_set_times
func fdFilestatSetTimes(fd int32, atim, mtim int64, flags int32) int32

//go:wasmimport wasi_snapshot_preview1 fd_close
func fdClose(fd int32) int32

const (
	preopenFd      = 3 // the first mount
	oflagDirectory = 2
	fstflagsAtim   = 1
	fstflagsMtim   = 4
)

// rawList opens path (relative to the first mount) as a directory with
// dirflags 0, lists it and sets its times to the epoch.
func rawList(path string) ([]string, int32) {
	p := []byte(path)
	var fd int32
	if errno := pathOpen(preopenFd, 0, unsafe.Pointer(&p[0]), int32(len(p)), oflagDirectory, 0, 0, 0, unsafe.Pointer(&fd)); errno != 0 {
		return nil, errno
	}
	defer fdClose(fd)
	buf := make([]byte, 4096)
	var used int32
	if errno := fdReaddir(fd, unsafe.Pointer(&buf[0]), int32(len(buf)), 0, unsafe.Pointer(&used)); errno != 0 {
		return nil, errno
	}
	var names []string
	for off := 0; off+24 <= int(used); {
		n := int(uint32(buf[off+16]) | uint32(buf[off+17])<<8 | uint32(buf[off+18])<<16 | uint32(buf[off+19])<<24)
		if off+24+n > int(used) {
			break
		}
		if name := string(buf[off+24 : off+24+n]); name != "." && name != ".." {
			names = append(names, name)
		}
		off += 24 + n
	}
	if errno := fdFilestatSetTimes(fd, 0, 0, fstflagsAtim|fstflagsMtim); errno != 0 {
		return names, errno
	}
	return names, 0
}

//go:wasmimport wasi_snapshot_preview1 path_filestat_get
func pathFilestatGet(fd int32, flags int32, path unsafe.Pointer, pathLen int32, out unsafe.Pointer) int32

//go:wasmimport wasi_snapshot_preview1 path_filestat_set_times
func pathFilestatSetTimes(fd int32, flags int32, path unsafe.Pointer, pathLen int32, atim, mtim int64, fstflags int32) int32

//go:wasmimport wasi_snapshot_preview1 path_link
func pathLink(oldFd int32, oldFlags int32, oldPath unsafe.Pointer, oldLen int32, newFd int32, newPath unsafe.Pointer, newLen int32) int32

//go:wasmimport wasi_snapshot_preview1 fd_renumber
func fdRenumber(fd, to int32) int32

//go:wasmimport wasi_snapshot_preview1 fd_read
func fdRead(fd int32, iovs unsafe.Pointer, iovsLen int32, nread unsafe.Pointer) int32

const lookupSymlinkFollow = 1

func ptr(s string) (unsafe.Pointer, int32) {
	if s == "" {
		return unsafe.Pointer(&[]byte{0}[0]), 0
	}
	b := []byte(s)
	return unsafe.Pointer(&b[0]), int32(len(b))
}

// rawOpenAt opens path relative to dirFd with the given WASI flags.
func rawOpenAt(dirFd int32, path string, dirflags, oflags int32, rights int64, fdflags int32) (int32, int32) {
	p, n := ptr(path)
	var fd int32
	errno := pathOpen(dirFd, dirflags, p, n, oflags, rights, 0, fdflags, unsafe.Pointer(&fd))
	return fd, errno
}

// rawStat is path_filestat_get: the inode and file type, or the errno.
func rawStat(dirFd int32, path string, follow bool) (ino uint64, filetype uint8, errno int32) {
	p, n := ptr(path)
	var buf [64]byte
	flags := int32(0)
	if follow {
		flags = lookupSymlinkFollow
	}
	if errno = pathFilestatGet(dirFd, flags, p, n, unsafe.Pointer(&buf[0])); errno != 0 {
		return 0, 0, errno
	}
	for i := 7; i >= 0; i-- {
		ino = ino<<8 | uint64(buf[8+i])
	}
	return ino, buf[16], 0
}

// rawTimes is path_filestat_set_times to the epoch.
func rawTimes(dirFd int32, path string, follow bool) int32 {
	p, n := ptr(path)
	flags := int32(0)
	if follow {
		flags = lookupSymlinkFollow
	}
	return pathFilestatSetTimes(dirFd, flags, p, n, 0, 0, fstflagsAtim|fstflagsMtim)
}

// rawLink is path_link within the first mount (old_flags follow or not).
func rawLink(oldPath, newPath string, follow bool) int32 {
	op, on := ptr(oldPath)
	np, nn := ptr(newPath)
	flags := int32(0)
	if follow {
		flags = lookupSymlinkFollow
	}
	return pathLink(preopenFd, flags, op, on, preopenFd, np, nn)
}

// rawRead reads up to 64 bytes of fd.
func rawRead(fd int32) (string, int32) {
	buf := make([]byte, 64)
	iov := [2]uint32{uint32(uintptr(unsafe.Pointer(&buf[0]))), uint32(len(buf))}
	var n uint32
	if errno := fdRead(fd, unsafe.Pointer(&iov[0]), 1, unsafe.Pointer(&n)); errno != 0 {
		return "", errno
	}
	return string(buf[:n]), 0
}

// rawDirents lists fd: each name with its inode ("name=ino").
func rawDirents(fd int32) ([]string, int32) {
	buf := make([]byte, 8192)
	var used int32
	if errno := fdReaddir(fd, unsafe.Pointer(&buf[0]), int32(len(buf)), 0, unsafe.Pointer(&used)); errno != 0 {
		return nil, errno
	}
	var out []string
	for off := 0; off+24 <= int(used); {
		var ino uint64
		for i := 7; i >= 0; i-- {
			ino = ino<<8 | uint64(buf[off+8+i])
		}
		n := int(uint32(buf[off+16]) | uint32(buf[off+17])<<8 | uint32(buf[off+18])<<16 | uint32(buf[off+19])<<24)
		if off+24+n > int(used) {
			break
		}
		out = append(out, string(buf[off+24:off+24+n])+"="+utoa(ino))
		off += 24 + n
	}
	return out, 0
}

func utoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

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

package wazerointernal

import (
	"io/fs"
	"reflect"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// FDTable is wazero's table of a guest's WASI descriptors, which gowasm's
// own WASI functions (wasip1/override.go) read and change: wazero keeps it
// in internal packages (its *sys.FSContext, reached from the guest's
// *wasm.ModuleInstance), so it is reached here by reflection, through
// exported fields and methods only. Owning a table of gowasm's own would
// mean reimplementing every descriptor function of WASI (fd_read, fd_write,
// fd_readdir's cookies...), which wazero does well; sharing its table lets
// gowasm override only the functions whose behaviour it must change.
// TestEveryReachIntoWazero (and engine's TestFDTableReachesWazero, which
// uses all of it) fails if a wazero upgrade moves what this uses.
type FDTable struct {
	FSContext fscMethods
	fscPtr    unsafe.Pointer // the *FSContext
	lookup    lookupFunc     // (*FSContext).LookupFile
	entries   reflect.Type   // FileEntry
	fields    *entryFields
	Clocks    Clocks
}

// lookupFunc is the method (*FSContext).LookupFile, func(*FSContext, int32)
// (*FileEntry, bool), typed with unsafe.Pointer for the pointers to types
// gowasm cannot name: the calling convention is the same. Calling it so
// costs what a Go call does, a tenth of a call through reflect.Value.Call
// (RATIONALE.md, "WASI: wazero's, with what it gets wrong replaced").
type lookupFunc func(fsc unsafe.Pointer, fd int32) (entry unsafe.Pointer, ok bool)

// fscMethods are the methods of wazero's FSContext whose signatures name
// only public types.
type fscMethods interface {
	OpenFile(fsys experimentalsys.FS, path string, flag experimentalsys.Oflag, perm fs.FileMode) (int32, experimentalsys.Errno)
	CloseFile(fd int32) experimentalsys.Errno
}

// SysMethods are the guest's clocks, as configured (real or fake).
type Clocks interface {
	WalltimeNanos() int64
	Nanosleep(ns int64)
}

// FDTableOf finds mod's descriptor table; ok is false if mod is not a
// wazero guest instance with WASI state (or wazero changed).
func FDTableOf(mod api.Module) (t FDTable, ok bool) {
	v := reflect.ValueOf(mod)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return t, false
	}
	sysCtx := v.Elem().FieldByName("Sys")
	if !sysCtx.IsValid() || sysCtx.Kind() != reflect.Pointer || sysCtx.IsNil() {
		return t, false
	}
	if t.Clocks, ok = sysCtx.Interface().(Clocks); !ok {
		return t, false
	}
	fsMethod := sysCtx.MethodByName("FS")
	if !fsMethod.IsValid() || fsMethod.Type().NumIn() != 0 || fsMethod.Type().NumOut() != 1 {
		return t, false
	}
	fsc := fsMethod.Call(nil)[0]
	if t.FSContext, ok = fsc.Interface().(fscMethods); !ok {
		return t, false
	}
	m, ok := fsc.Type().MethodByName("LookupFile")
	if !ok {
		return t, false
	}
	mt := m.Type
	if mt.NumIn() != 2 || mt.In(0) != fsc.Type() || mt.In(1) != reflect.TypeOf(int32(0)) ||
		mt.NumOut() != 2 || mt.Out(0).Kind() != reflect.Pointer || mt.Out(1) != reflect.TypeOf(false) {
		return t, false
	}
	ix, ok := entryFieldsOf(mt.Out(0).Elem())
	if !ok {
		return t, false
	}
	fn := m.Func.Interface() // a func value: its interface's data word is the func
	t.lookup = *(*lookupFunc)(unsafe.Pointer(&(*[2]unsafe.Pointer)(unsafe.Pointer(&fn))[1]))
	t.fscPtr, t.entries, t.fields = fsc.UnsafePointer(), mt.Out(0).Elem(), &ix
	return t, true
}

// entryFields are the indices of the FileEntry fields fdEntry uses.
type entryFields struct{ name, isPreopen, fs, file int }

// entryFieldsOf finds them, checking wazero's FileEntry has them.
func entryFieldsOf(t reflect.Type) (ix entryFields, ok bool) {
	if t.Kind() != reflect.Struct {
		return ix, false
	}
	for _, want := range [...]struct {
		name string
		typ  reflect.Type
		at   *int
	}{
		{"Name", reflect.TypeOf(""), &ix.name},
		{"IsPreopen", reflect.TypeOf(false), &ix.isPreopen},
		{"FS", reflect.TypeOf((*experimentalsys.FS)(nil)).Elem(), &ix.fs},
		{"File", reflect.TypeOf((*experimentalsys.File)(nil)).Elem(), &ix.file},
	} {
		f, ok := t.FieldByName(want.name)
		if !ok || f.Type != want.typ || len(f.Index) != 1 {
			return ix, false
		}
		*want.at = f.Index[0]
	}
	return ix, true
}

// FDEntry is one descriptor of the table: wazero's *FileEntry.
type FDEntry struct {
	v  reflect.Value // the FileEntry (addressable)
	ix *entryFields
}

// Get returns descriptor fd's entry, if fd is open.
func (t FDTable) Get(fd int32) (FDEntry, bool) {
	p, ok := t.lookup(t.fscPtr, fd)
	if !ok {
		return FDEntry{}, false
	}
	return FDEntry{reflect.NewAt(t.entries, p).Elem(), t.fields}, true
}

// Name is the entry's path from its mount (a preopen's: the guest path).
func (e FDEntry) Name() string { return e.v.Field(e.ix.name).String() }

// IsPreopen reports whether the entry is one of the preopened mounts.
func (e FDEntry) IsPreopen() bool { return e.v.Field(e.ix.isPreopen).Bool() }

// FS is the mount the entry belongs to.
func (e FDEntry) FS() experimentalsys.FS {
	fsys, _ := e.v.Field(e.ix.fs).Interface().(experimentalsys.FS)
	return fsys
}

// File is the entry's open file.
func (e FDEntry) File() experimentalsys.File {
	return e.v.Field(e.ix.file).Interface().(experimentalsys.File)
}

// Replace makes the entry name file (same name, mount and preopen status),
// with wazero's cache of directory entries, which read the old file,
// dropped.
func (e FDEntry) Replace(file experimentalsys.File) {
	fresh := reflect.New(e.v.Type()).Elem()
	for _, i := range [...]int{e.ix.name, e.ix.isPreopen, e.ix.fs} {
		fresh.Field(i).Set(e.v.Field(i))
	}
	fresh.Field(e.ix.file).Set(reflect.ValueOf(&file).Elem())
	e.v.Set(fresh)
}

// Renumber moves descriptor from to to, closing the file to named, as
// POSIX dup2 then close: both must be open (WASI has no way to choose a
// free number), and either may be a preopen or stdio, which the guest owns
// as any other descriptor. Nothing is opened, so nothing can leave a mount.
func (t FDTable) Renumber(from, to int32) experimentalsys.Errno {
	src, ok := t.Get(from)
	if !ok {
		return experimentalsys.EBADF
	}
	dst, ok := t.Get(to)
	if !ok {
		return experimentalsys.EBADF
	}
	if from == to {
		return 0
	}
	replaced := dst.File()
	dst.v.Set(src.v)                // to now names from's file, its name and mount
	src.Replace(detached{})         // from leaves the table without closing that file
	_ = t.FSContext.CloseFile(from) // (detached closes nothing)
	_ = replaced.Close()            // as dup2, errors closing the replaced file are not reported
	return 0
}

// detached stands for a file another descriptor took over.
type detached struct {
	experimentalsys.UnimplementedFile
}

// Insert adds an opened file to the table as a descriptor of mount fsys,
// named name (as wazero's OpenFile names it), and returns its number.
// wazero's table only takes files it opens itself, so it is handed a
// filesystem whose open returns f; the entry then names fsys itself, which
// wazero compares to tell whether two descriptors share a mount.
func (t FDTable) Insert(fsys experimentalsys.FS, name string, f experimentalsys.File) (int32, experimentalsys.Errno) {
	fd, errno := t.FSContext.OpenFile(opened{fsys, f}, name, 0, 0)
	if errno != 0 {
		_ = f.Close()
		return 0, errno
	}
	e, _ := t.Get(fd)
	e.v.Field(e.ix.fs).Set(reflect.ValueOf(&fsys).Elem())
	return fd, 0
}

// opened is a filesystem whose open returns a file already opened.
type opened struct {
	experimentalsys.FS
	f experimentalsys.File
}

// OpenFile implements experimentalsys.FS.
func (o opened) OpenFile(string, experimentalsys.Oflag, fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	return o.f, 0
}

package wazerointernal

import (
	"io"
	"reflect"
	"sync"
	"unsafe"

	"github.com/tetratelabs/wazero"
)

// FileCache is wazero's internal/filecache.Cache, the interface through
// which a compilation cache reads and writes its entries on disk: its
// implementation is a field of wazero's compilation cache, which gowasm
// replaces (compile/cacheentry.go says why).
type FileCache interface {
	Get(key [32]byte) (content io.ReadCloser, ok bool, err error)
	Add(key [32]byte, content io.Reader) (err error)
	Delete(key [32]byte) (err error)
}

// FileCacheStatus is what ReplaceFileCache needs of wazero's types.
type FileCacheStatus struct {
	OK    bool
	Why   string
	cache reflect.Type // wazero.cache
	field reflect.StructField
}

var (
	fileCacheOnce sync.Once
	theFileCache  FileCacheStatus
)

// FileCacheMirror checks, once, that wazero is the version gowasm mirrors
// and that its compilation cache has the field ReplaceFileCache replaces.
func FileCacheMirror() *FileCacheStatus {
	fileCacheOnce.Do(func() {
		theFileCache = probeFileCache()
	})
	return &theFileCache
}

func probeFileCache() FileCacheStatus {
	fail := func(why string) FileCacheStatus { return FileCacheStatus{Why: why} }
	if m := Mirror(); !m.OK {
		return fail(m.Why)
	}
	t := reflect.TypeOf(wazero.NewCompilationCache())
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return fail("wazero's compilation cache is not a pointer to a struct")
	}
	f, ok := t.Elem().FieldByName("fileCache")
	if !ok || f.Type.Kind() != reflect.Interface || f.Type.NumMethod() != 3 ||
		!reflect.TypeOf((*FileCache)(nil)).Elem().Implements(f.Type) {
		return fail("wazero's compilation cache's fileCache changed")
	}
	return FileCacheStatus{OK: true, cache: t.Elem(), field: f}
}

// ReplaceFileCache puts replacement(dir), dir being wazero's own directory
// for its version, in place of c's file cache, unless c keeps compiled code
// in memory only or its file cache was replaced before. It returns the file
// cache now in place (nil: in memory only), or ok false if it cannot tell.
// The caller serializes calls for one c, before any runtime's engine takes
// it.
func ReplaceFileCache(c wazero.CompilationCache, replacement func(dir string) FileCache) (current FileCache, ok bool) {
	m := FileCacheMirror()
	if !m.OK {
		return nil, false
	}
	v := reflect.ValueOf(c)
	if v.Type() != reflect.PointerTo(m.cache) {
		return nil, false
	}
	fc := reflect.NewAt(m.field.Type, unsafe.Add(v.UnsafePointer(), m.field.Offset)).Elem()
	if fc.IsNil() {
		return nil, true // in memory only
	}
	impl := fc.Elem()
	if t := impl.Type(); t.Kind() != reflect.Pointer || t.Elem().PkgPath() != "github.com/tetratelabs/wazero/internal/filecache" {
		current, ok = impl.Interface().(FileCache) // replaced before
		return current, ok
	}
	if impl.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	// wazero's fileCache: {dirPath string}, its directory for its version.
	dirPath := impl.Elem().FieldByName("dirPath")
	if !dirPath.IsValid() || dirPath.Kind() != reflect.String {
		return nil, false
	}
	r := replacement(dirPath.String())
	fc.Set(reflect.ValueOf(r))
	return r, true
}

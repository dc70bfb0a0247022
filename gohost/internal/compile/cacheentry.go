package compile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/gowasm/gowasm/gohost/internal/wazerointernal"
	"github.com/tetratelabs/wazero"
)

// Compiled code from the disk cache runs only if gowasm wrote it.
//
// wazero's cache entry (v1.12.0, wazevo/engine_cache.go) carries a CRC of
// the machine code and nothing over the rest: a changed function offset
// jumps into the middle of an instruction (the process dies), two swapped
// offsets run one function for another without an error, a count of
// 0xFFFFFFF0 is allocated before anything is read (the process dies, out
// of memory), and wazero opens whatever has the entry's name (a FIFO
// blocks the load for ever). wazero reads its entries through its
// filecache.Cache interface, and a compilation cache's implementation is
// a field of it: gowasm replaces that field with EntryCache, which keeps
// wazero's files and names, ends each entry it writes with a digest of
// everything in it but the machine code (the code's CRC included), and
// hands wazero an entry only if it is a regular file (never opened
// otherwise: no FIFO or device is read) whose digest matches. Anything
// else (an entry of another gowasm or of wazero alone, which has no
// digest, one changed or cut, or another module's under this one's name)
// is removed, and wazero compiles the module again and writes a good
// entry. What wazero reads is the checked copy in memory, except the
// code, which it reads from the file then open and checks against the
// CRC: a file changed after the check is refused all the same
// (dropCacheEntry, in compile.go, then removes it).
//
// The digest proves an entry is the one gowasm wrote for that key, not
// that no one forged it: someone who can write the cache directory can
// write the digest too. That is the directory's owner only, since gowasm
// uses a cache directory only when it is private to the user, and they
// can change the process's code in other ways anyway.
//
// Reaching the field is one more reach into wazero's internals
// (wazerointernal/filecache.go), behind the same version check as the
// others. With another wazero, whose entries gowasm cannot check, loads use
// no disk cache (an in-memory one: each process compiles again), and
// TestEveryReachIntoWazero and TestCacheEntryCheckEnabled fail.

// EntryTag begins an entry's trailer; the SHA-256 follows.
const EntryTag = "gowasm\x00\x01"

const EntryTrailerSize = len(EntryTag) + sha256.Size

// EntryCache implements wazero's internal/filecache.Cache (whose Key is
// [32]byte) over wazero's directory for its version.
type EntryCache struct {
	Dir string
}

func (c *EntryCache) path(key [sha256.Size]byte) string {
	return filepath.Join(c.Dir, hex.EncodeToString(key[:]))
}

// The parts of an entry in wazero v1.12.0's format (wazevo/engine_cache.go,
// serializeCompiledModule): the head ("WAZEVO", the version's length and
// text, the function count (u32), each function's offset in the code
// (u64), the code's length (u64)), the machine code, and the tail (the
// code's CRC-32C if there is code, the source map, the catch table).
// gowasm's trailer follows: the SHA-256 of the entry's key, head and tail.
// The code, nearly all of an entry, is left to the CRC that wazero checks
// and the digest covers: hashing it would cost more than the rest of a
// load from the cache (RATIONALE.md, "Damaged cache entries").

// maxEntryHeader is the longest an entry's header (what precedes the
// offsets) can be.
const maxEntryHeader = 6 + 1 + 255 + 4

// EntrySplit returns the sizes of an entry's head and code, given its
// first bytes (at least the head) and its size (trailer excluded).
func EntrySplit(b []byte, size int64) (headSize, codeSize int64, ok bool) {
	if len(b) < 7 || len(b) < 7+int(b[6])+4 {
		return 0, 0, false
	}
	countAt := 7 + int(b[6])
	headSize = int64(countAt+4) + 8*int64(binary.LittleEndian.Uint32(b[countAt:])) + 8
	if headSize > size || headSize > int64(len(b)) {
		return headSize, 0, false
	}
	code := binary.LittleEndian.Uint64(b[headSize-8:])
	if code == 0 {
		return headSize, 0, true
	}
	// The code, then its CRC.
	return headSize, int64(code), code <= uint64(size-headSize) && int64(code) <= size-headSize-4
}

// EntryDigest binds an entry's head and tail to its key, so that an
// entry moved under another module's name is refused too.
func EntryDigest(key [sha256.Size]byte, head, tail []byte) []byte {
	h := sha256.New()
	h.Write(key[:])
	h.Write(head)
	h.Write(tail)
	return h.Sum(nil)
}

// Get hands wazero the entry if it is one gowasm wrote; any other file
// under the name is removed, and wazero then compiles the module again
// (a miss).
func (c *EntryCache) Get(key [sha256.Size]byte) (io.ReadCloser, bool, error) {
	path := c.path(key)
	r, err := openEntryChecked(path, key)
	if err == nil {
		return r, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		// A directory that is not empty stays, and writing the new
		// entry then fails the load with its reason.
		os.Remove(path)
	}
	return nil, false, nil
}

var errNotGowasmEntry = errors.New("not an entry gowasm wrote")

// entryReader is a checked entry: its head and tail as read and checked,
// its code read from the file (as checked by wazero's CRC).
type entryReader struct {
	io.Reader
	f *os.File
}

func (r *entryReader) Close() error { return r.f.Close() }

// openEntryChecked opens the entry at path and checks it.
func openEntryChecked(path string, key [sha256.Size]byte) (_ *entryReader, err error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, errNotGowasmEntry
	}
	f, err := openEntry(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || !os.SameFile(before, fi) {
		return nil, errNotGowasmEntry // replaced since
	}
	// The trailer first: a file cut, grown, or not gowasm's is refused
	// without reading more.
	size := fi.Size() - int64(EntryTrailerSize)
	if size < 0 {
		return nil, errNotGowasmEntry
	}
	var trailer [EntryTrailerSize]byte
	if _, err := f.ReadAt(trailer[:], size); err != nil {
		return nil, err
	}
	if string(trailer[:len(EntryTag)]) != EntryTag {
		return nil, errNotGowasmEntry
	}
	header := make([]byte, min(size, maxEntryHeader))
	if _, err := f.ReadAt(header, 0); err != nil {
		return nil, err
	}
	headSize, _, _ := EntrySplit(header, size)
	if headSize <= 0 || headSize > size {
		return nil, errNotGowasmEntry
	}
	head := make([]byte, headSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, err
	}
	_, codeSize, ok := EntrySplit(head, size)
	if !ok {
		return nil, errNotGowasmEntry
	}
	tail := make([]byte, size-headSize-codeSize)
	if _, err := f.ReadAt(tail, headSize+codeSize); err != nil {
		return nil, err
	}
	if !bytes.Equal(EntryDigest(key, head, tail), trailer[len(EntryTag):]) {
		return nil, errNotGowasmEntry
	}
	return &entryReader{io.MultiReader(bytes.NewReader(head), io.NewSectionReader(f, headSize, codeSize), bytes.NewReader(tail)), f}, nil
}

// Add writes an entry as wazero's own file cache does (a temporary file,
// synced, renamed over the name), with the trailer.
func (c *EntryCache) Add(key [sha256.Size]byte, content io.Reader) (err error) {
	entry, err := io.ReadAll(content)
	if err != nil {
		return err
	}
	headSize, codeSize, ok := EntrySplit(entry, int64(len(entry)))
	if !ok {
		return errors.New("gowasm: wazero's compiled code is not in the format gowasm checks")
	}
	path := c.path(key)
	f, err := os.CreateTemp(c.Dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	digest := EntryDigest(key, entry[:headSize], entry[headSize+codeSize:])
	if _, err = f.Write(append(append(entry, EntryTag...), digest...)); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Delete removes an entry wazero found stale (another wazero version's).
func (c *EntryCache) Delete(key [sha256.Size]byte) error {
	if err := os.Remove(c.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// removeEntry removes the entry of key; it reports whether there was one.
func (c *EntryCache) removeEntry(key [sha256.Size]byte) bool {
	return os.Remove(c.path(key)) == nil
}

// checkedCaches maps a cache directory (as configured) to the EntryCache
// over its entries, for dropCacheEntry; guarded by installing.
var (
	installing    sync.Mutex
	checkedCaches = map[string]*EntryCache{}
)

// CheckedCompilationCache is compilationCache(dir) with its entries read
// and written by EntryCache, or, where gowasm cannot put EntryCache in
// wazero's place, an in-memory cache.
func CheckedCompilationCache(dir string) (wazero.CompilationCache, error) {
	c, err := compilationCache(dir)
	if err != nil || dir == "" {
		return c, err
	}
	if !checkEntries(c, dir) {
		return compilationCache("")
	}
	return c, nil
}

// checkEntries puts an EntryCache in wazero's file cache's place in c,
// before any runtime's engine takes it; it reports whether c's entries
// are now checked (or c has none).
func checkEntries(c wazero.CompilationCache, dir string) bool {
	installing.Lock()
	defer installing.Unlock()
	current, ok := wazerointernal.ReplaceFileCache(c, func(wazeroDir string) wazerointernal.FileCache {
		return &EntryCache{Dir: wazeroDir}
	})
	if !ok {
		return false
	}
	if current == nil {
		return true // in memory only
	}
	ec, ok := current.(*EntryCache)
	if ok {
		checkedCaches[dir] = ec
	}
	return ok
}

// CheckedCache is the EntryCache over cacheDir's entries, if any.
func CheckedCache(cacheDir string) *EntryCache {
	installing.Lock()
	defer installing.Unlock()
	return checkedCaches[cacheDir]
}

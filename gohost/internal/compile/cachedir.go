package compile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"
)

// Which directory holds compiled code: gowasm's one rule for it.
//
// A compilation cache entry is machine code that wazero maps executable and
// runs; its CRC is no signature. Whoever can write a cache directory (or
// rename it away and put their own in its place) chooses the code a process
// using it runs. So a directory holds gowasm's cache (wazero's entries, the
// validation markers, from_go's builds and tools) only when, on Unix:
//
//   - it is a directory, not a symbolic link (a link given by the user is
//     resolved first, and the directory it names is what is checked),
//     owned by this process's effective user and not writable by its group
//     or others;
//   - every directory above it is owned by root or this user, and is not
//     writable by group or others unless it has the sticky bit (as /tmp
//     does), so that no one else can rename it, or a directory above it,
//     and put another in its place;
//   - the subdirectories gowasm and wazero read from (wazero-*,
//     validated-*) pass the first test too;
//   - it can be written (wazero refuses to load what it cannot cache).
//
// A directory that fails is not used: gowasm uses, in its place, its own
// subdirectory gowasm-<uid> in it (made private, and checked again after
// it is made, since someone else may have made it first), which is how a
// shared directory like /tmp, or one a team shares with mode 1777, serves
// every user. When that fails too, modules are compiled in memory only, and
// the caller is told why (Python warns once).
//
// On Linux a group-writable directory with an access-control list counts
// as writable by others, whatever its group (its group bits are then the
// list's mask, the most the users it names may do); other Unix systems'
// lists are not read. On Windows gowasm does not read access-control
// lists: a directory is used as given (the default one is in the user's
// profile, which only the user can write to).

// CacheDirChoice is what UsableCacheDir decided for a directory.
type CacheDirChoice struct {
	// Dir is the directory to use, "" for none (memory only).
	Dir string `json:"dir"`
	// Problem says why the directory asked for is not used, if it is not
	// used and nothing took its place; "" otherwise.
	Problem string `json:"problem,omitempty"`
}

var cacheDirs struct {
	sync.Mutex
	chosen map[string]CacheDirChoice
}

// UsableCacheDir applies the rule above to dir ("" is no disk cache). The
// answer for a directory is kept for the life of the process, but a
// directory used is checked again at each use (its owner and mode, and the
// directories above it: a system call a level): no other user can change
// those, but the directory can be removed (by a cleaner of old files in
// /tmp, or by the user) and made again by someone who can make names
// beside it, and the process's effective user can change. The rest (its
// subdirectories, the test write) is not repeated: what is in a directory
// only this user could write to all along is theirs.
func UsableCacheDir(dir string) CacheDirChoice {
	if dir == "" {
		return CacheDirChoice{}
	}
	cacheDirs.Lock()
	defer cacheDirs.Unlock()
	if c, ok := cacheDirs.chosen[dir]; ok && (c.Dir == "" || ownDirProblem(c.Dir) == "" && ancestorsProblem(c.Dir) == "") {
		return c
	}
	c := chooseCacheDir(dir)
	if cacheDirs.chosen == nil {
		cacheDirs.chosen = map[string]CacheDirChoice{}
	}
	cacheDirs.chosen[dir] = c
	if c.Dir != "" && c.Dir != dir {
		// Asking for the directory chosen is asking for itself.
		cacheDirs.chosen[c.Dir] = CacheDirChoice{Dir: c.Dir}
	}
	return c
}

func chooseCacheDir(dir string) CacheDirChoice {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return noCacheDir(dir, err.Error())
	}
	if !utf8.ValidString(abs) {
		return noCacheDir(dir, notUTF8)
	}
	if problem := linksProblem(abs); problem != "" {
		return noCacheDir(dir, problem)
	}
	if problem := placeProblem(abs); problem != "" {
		return noCacheDir(dir, problem)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return noCacheDir(dir, "it cannot be created: "+trimPathError(err))
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return noCacheDir(dir, trimPathError(err))
	}
	if !utf8.ValidString(real) {
		return noCacheDir(dir, notUTF8)
	}
	problem := cacheDirProblem(real)
	if problem == "" {
		return CacheDirChoice{Dir: real}
	}
	own := filepath.Join(real, OwnSubdir())
	if ancestorsProblem(own) != "" {
		// The subdirectory could be replaced as well as the directory.
		return noCacheDir(dir, problem)
	}
	if err := os.Mkdir(own, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return noCacheDir(dir, fmt.Sprintf("%s, and gowasm cannot make its own subdirectory %s in it (%s)", problem, own, trimPathError(err)))
	}
	if ownProblem := cacheDirProblem(own); ownProblem != "" {
		return noCacheDir(dir, fmt.Sprintf("%s, and its subdirectory %s cannot be used either: %s", problem, own, ownProblem))
	}
	return CacheDirChoice{Dir: own}
}

// notUTF8 is why a path that is not UTF-8 is not used: the directory
// chosen goes back to Python, and the module's configuration to the
// engine, as JSON, which would carry another path (U+FFFD for each byte).
const notUTF8 = "its path is not UTF-8, which gowasm cannot pass on (in JSON) unchanged"

// placeProblem says why abs, if it does not exist, is not to be made: the
// directory it would be made in fails the rule for directories above a
// cache, and so would abs and gowasm's own subdirectory of it. Made anyway,
// it would be left behind: sudo keeps HOME, and root's ~/.cache in the
// invoking user's home is one that user cannot write to.
func placeProblem(abs string) string {
	p := abs
	for {
		_, err := os.Lstat(p)
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(p) == p {
			break
		}
		p = filepath.Dir(p)
	}
	if p == abs {
		return ""
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "" // MkdirAll says why
	}
	return ancestorsProblem(filepath.Join(real, filepath.Base(abs)))
}

// linksProblem says which symbolic link in abs belongs to another user
// ("" if none does). Following it, gowasm would not run their code (where
// it leads must pass the rule), but it would keep its cache, and sweep old
// builds, in whichever directory of this user's they chose: in /tmp, a
// name someone else made first.
func linksProblem(abs string) string {
	for p := abs; ; p = filepath.Dir(p) {
		who := ""
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			who = foreignLink(fi)
		}
		switch {
		case who != "" && p == abs:
			return fmt.Sprintf("it is a symbolic link another user (%s) made", who)
		case who != "":
			return fmt.Sprintf("%s in its path is a symbolic link another user (%s) made", p, who)
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}

func noCacheDir(dir, why string) CacheDirChoice {
	return CacheDirChoice{Problem: fmt.Sprintf("gowasm: not caching compiled code in %s: %s. "+
		"Modules are compiled in memory, once per process; pass a directory only you can write to "+
		"(cache=, GOWASM_CACHE_DIR or --cache-dir), or disable the disk cache to silence this (cache=False, an empty GOWASM_CACHE_DIR, or --no-cache)",
		dir, why)}
}

// cacheDirProblem says what makes dir, a path with no symbolic links in
// it, unfit to hold compiled code ("" if nothing does).
func cacheDirProblem(dir string) string {
	if problem := ownDirProblem(dir); problem != "" {
		return "it " + problem
	}
	if problem := ancestorsProblem(dir); problem != "" {
		return problem
	}
	var subdirs []string
	for _, pattern := range []string{"wazero-*", "validated-*"} {
		found, _ := filepath.Glob(filepath.Join(dir, pattern))
		subdirs = append(subdirs, found...)
	}
	for _, sub := range subdirs {
		if problem := ownDirProblem(sub); problem != "" {
			return fmt.Sprintf("its subdirectory %s %s", filepath.Base(sub), problem)
		}
	}
	for _, d := range append([]string{dir}, subdirs...) {
		f, err := os.CreateTemp(d, ".gowasm-probe-*")
		if err != nil {
			return "it cannot be written to: " + trimPathError(err)
		}
		f.Close()
		os.Remove(f.Name())
	}
	return ""
}

// ancestorsProblem says which directory above dir lets someone else
// replace dir, and how ("" if none does).
func ancestorsProblem(dir string) string {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if problem := ancestorProblem(p); problem != "" {
			return fmt.Sprintf("the directory %s above it %s, so someone else could replace it", p, problem)
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}

// realDir is dir's information if it is a directory, not a symbolic link;
// else why not.
func realDir(dir string) (fs.FileInfo, string) {
	fi, err := os.Lstat(dir)
	switch {
	case err != nil:
		return nil, "cannot be examined: " + trimPathError(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, "is a symbolic link"
	case !fi.IsDir():
		return nil, "is not a directory"
	}
	return fi, ""
}

// privateDir says whether dir passes the first test of the rule: the
// validation markers in it are then this user's own (compile.go). Where
// the rule cannot be checked (no owner and mode bits: Windows, whose
// access-control lists gowasm does not read), no directory passes.
func privateDir(dir string) bool { return OwnerChecked && ownDirProblem(dir) == "" }

// trimPathError is an error without the Go operation's name ("open",
// "mkdir"), which means nothing to a Python user.
func trimPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), "lstat ")
}

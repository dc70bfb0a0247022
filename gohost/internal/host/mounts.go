package host

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

type sysStat = sys.Stat_t

// Mount makes a host directory visible to the guest at a guest path.
type Mount struct {
	Host     string `json:"host"`
	Guest    string `json:"guest"`
	ReadOnly bool   `json:"readonly"`
}

// confinedFS keeps a guest inside its mount. wazero's DirFS appends guest
// paths to the host directory as they come, so "..", and symlinks whose
// target lies outside, would reach the rest of the host. Every operation
// here first resolves its path, symlink by symlink, and refuses (EACCES)
// any that ends outside the mount.
type confinedFS struct {
	experimentalsys.FS
	root string // the mount's host directory, absolute, symlinks resolved
}

func newConfinedFS(m Mount) (experimentalsys.FS, error) {
	abs, err := filepath.Abs(m.Host)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, errorf(ErrUsage, "gowasm: cannot mount %q: %v", m.Host, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, errorf(ErrUsage, "gowasm: cannot mount %q: not a directory", m.Host)
	}
	var inner experimentalsys.FS = sysfs.DirFS(abs)
	if m.ReadOnly {
		inner = &sysfs.ReadFS{FS: inner}
	}
	return &confinedFS{FS: inner, root: abs}, nil
}

const maxSymlinks = 40 // as Linux's ELOOP limit

// allowed reports whether path (relative to the mount) stays inside it;
// follow says whether a symlink in the last component is followed.
func (c *confinedFS) allowed(path string, follow bool) bool {
	if c.root == string(filepath.Separator) {
		return true // the whole host is mounted: nothing to escape to
	}
	return c.resolves(filepath.Join(c.root, filepath.FromSlash(path)), follow, 0)
}

func (c *confinedFS) resolves(host string, follow bool, links int) bool {
	if !c.within(host) {
		return false
	}
	rest := strings.Split(strings.TrimPrefix(host, c.root), string(filepath.Separator))
	cur := c.root
	for i, name := range rest {
		if name == "" {
			continue
		}
		next := filepath.Join(cur, name)
		last := i == len(rest)-1
		fi, err := os.Lstat(next)
		if err != nil {
			return true // it does not exist, so nothing below it is a symlink
		}
		if fi.Mode()&fs.ModeSymlink != 0 && (follow || !last) {
			if links >= maxSymlinks {
				return false
			}
			target, err := os.Readlink(next)
			if err != nil {
				return false
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(cur, target)
			}
			return c.resolves(filepath.Join(append([]string{target}, rest[i+1:]...)...), follow, links+1)
		}
		cur = next
	}
	return true
}

func (c *confinedFS) within(host string) bool {
	host = filepath.Clean(host)
	return host == c.root || strings.HasPrefix(host, c.root+string(filepath.Separator))
}

func (c *confinedFS) OpenFile(path string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if !c.allowed(path, flag&experimentalsys.O_NOFOLLOW == 0) {
		return nil, experimentalsys.EACCES
	}
	return c.FS.OpenFile(path, flag, perm)
}

func (c *confinedFS) Lstat(path string) (st sysStat, errno experimentalsys.Errno) {
	if !c.allowed(path, false) {
		return st, experimentalsys.EACCES
	}
	return c.FS.Lstat(path)
}

func (c *confinedFS) Stat(path string) (st sysStat, errno experimentalsys.Errno) {
	if !c.allowed(path, true) {
		return st, experimentalsys.EACCES
	}
	return c.FS.Stat(path)
}

func (c *confinedFS) Mkdir(path string, perm fs.FileMode) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Mkdir(path, perm) }, path, false)
}

func (c *confinedFS) Chmod(path string, perm fs.FileMode) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Chmod(path, perm) }, path, true)
}

func (c *confinedFS) Rename(from, to string) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Rename(from, to) }, from, false, to)
}

func (c *confinedFS) Rmdir(path string) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Rmdir(path) }, path, false)
}

func (c *confinedFS) Unlink(path string) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Unlink(path) }, path, false)
}

func (c *confinedFS) Link(oldPath, newPath string) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Link(oldPath, newPath) }, oldPath, false, newPath)
}

// Symlink may create a link to anywhere: following it is what is checked.
func (c *confinedFS) Symlink(oldPath, linkName string) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Symlink(oldPath, linkName) }, linkName, false)
}

func (c *confinedFS) Readlink(path string) (string, experimentalsys.Errno) {
	if !c.allowed(path, false) {
		return "", experimentalsys.EACCES
	}
	return c.FS.Readlink(path)
}

func (c *confinedFS) Utimens(path string, atim, mtim int64) experimentalsys.Errno {
	return c.guard(func() experimentalsys.Errno { return c.FS.Utimens(path, atim, mtim) }, path, true)
}

// guard runs op if path (followed or not) and every other path stay inside.
func (c *confinedFS) guard(op func() experimentalsys.Errno, path string, follow bool, others ...string) experimentalsys.Errno {
	if !c.allowed(path, follow) {
		return experimentalsys.EACCES
	}
	for _, p := range others {
		if !c.allowed(p, false) {
			return experimentalsys.EACCES
		}
	}
	return op()
}

//go:build !unix

package host

import (
	"io/fs"
	"os"
)

// ownDirProblem: without reading access-control lists (see cachedir.go),
// gowasm checks only that dir is a directory.
func ownDirProblem(dir string) string {
	fi, err := os.Lstat(dir)
	switch {
	case err != nil:
		return "cannot be examined: " + trimPathError(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return "is a symbolic link"
	case !fi.IsDir():
		return "is not a directory"
	}
	return ""
}

func ancestorProblem(dir string) string { return "" }

// ownSubdir names gowasm's subdirectory of a directory it cannot use (one
// it cannot write to: it then cannot make this either).
func ownSubdir() string { return "gowasm-" + os.Getenv("USERNAME") }

func foreignLink(fi fs.FileInfo) string { return "" }

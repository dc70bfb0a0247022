//go:build !unix

package compile

import (
	"io/fs"
	"os"
)

// ownDirProblem: without reading access-control lists (see cachedir.go),
// gowasm checks only that dir is a directory.
func ownDirProblem(dir string) string {
	_, problem := realDir(dir)
	return problem
}

func ancestorProblem(dir string) string { return "" }

// OwnerChecked: no directory is known to be this user's alone here, so
// validation markers are never trusted (privateDir).
const OwnerChecked = false

// OwnSubdir names gowasm's subdirectory of a directory it cannot use (one
// it cannot write to: it then cannot make this either).
func OwnSubdir() string { return "gowasm-" + os.Getenv("USERNAME") }

func foreignLink(fi fs.FileInfo) string { return "" }

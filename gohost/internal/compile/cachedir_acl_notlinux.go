//go:build unix && !linux

package compile

// extendedACL: gowasm reads access control lists on Linux only (see
// cachedir.go).
func extendedACL(dir string) bool { return false }

//go:build unix && !linux

package host

// extendedACL: gowasm reads access control lists on Linux only (see
// cachedir.go).
func extendedACL(dir string) bool { return false }

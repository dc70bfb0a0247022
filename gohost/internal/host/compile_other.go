//go:build !unix

package host

// privateDir: where gowasm cannot tell who may write to a directory, no
// marker is trusted (validation is then remembered per process only).
func privateDir(dir string) bool { return false }

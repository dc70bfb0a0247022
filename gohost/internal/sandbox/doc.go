// Package sandbox is the filesystem a guest's mounts are: every path goes
// through an os.Root (which confines it on every platform), and the *at
// system calls where os.Root has no operation (at_unix.go). It also counts
// the files guests hold open, process-wide (openlimit.go). It imports only
// errs.
package sandbox

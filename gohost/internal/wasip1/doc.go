// Package wasip1 is WASI preview 1 as gowasm gives it to guests: wazero's
// functions, with those that get something wrong replaced (override.go
// says which and why), per-descriptor rights (rights.go) and poll_oneoff
// (poll.go). It works on wazero's own descriptor table (through
// wazerointernal) and on sandbox's mounts, and takes the module's sleep as a
// function value, so it never sees a Module: it imports errs, sandbox and
// wazerointernal only.
package wasip1

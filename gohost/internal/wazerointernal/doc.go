// Package wazerointernal holds every reach into wazero's unexported state,
// so that a wazero upgrade has one place to re-read: the compile that skips
// validating a module wazero validated before (compile.go), the file cache
// behind a compilation cache (filecache.go), wazero's table of a guest's WASI
// descriptors (fdtable.go) and where its compiler keeps a global (global.go). Each checks the layout it relies on and turns itself
// off when that layout is not there; MirroredWazero is the version they were
// written against, and TestEveryReachIntoWazero (reach_test.go) fails when
// go.mod names another or when any of them stops working. It imports nothing
// of gowasm.
package wazerointernal

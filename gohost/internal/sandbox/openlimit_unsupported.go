//go:build !unix

package sandbox

// processOpenFileLimit: Windows has no small per-process limit of its own
// (CRT descriptors aside); 1024 keeps guests as on unix.
func processOpenFileLimit() uint64 { return 1024 }

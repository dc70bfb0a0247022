//go:build !unix

package compile

import "os"

// openEntry opens a cache entry for reading (its type is checked before
// and after).
func openEntry(path string) (*os.File, error) { return os.Open(path) }

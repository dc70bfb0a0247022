//go:build !windows

package testkit

// UnderWine is false off Windows.
func UnderWine() bool { return false }

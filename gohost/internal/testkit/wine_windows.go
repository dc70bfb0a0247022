package testkit

import "golang.org/x/sys/windows"

// UnderWine tells whether this Windows is Wine (its ntdll exports wine_get_version).
func UnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

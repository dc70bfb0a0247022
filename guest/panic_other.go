//go:build !wasip1 || tinygo

package gowasm

// trap lets the panic go on: TinyGo prints no goroutine dump, and off wasm
// (this package's own tests) there is no host to hand the message to.
func trap(_ string, v any) {
	panic(v)
}

// Package wasmbin reads and rewrites WebAssembly binaries without wazero:
// the section reader, the limits every module is checked against before
// wazero reads it (limits.go), and the rewrite that adds the interrupt checks
// and checked table.grow (instrument.go), with its cache. It imports nothing
// of gowasm: it works on bytes only.
package wasmbin

// Command misdescribed is a reactor whose description names a function it
// does not export (a gowasm.Export without its //go:wasmexport): gowasm
// warns instead of ignoring it silently.
package main

import gowasm "github.com/gowasm/gowasm/guest"

func init() {
	gowasm.Export("echo", gowasm.Params(gowasm.String), gowasm.Results(gowasm.String))
	gowasm.Export("forgotten", gowasm.Params(gowasm.Int), gowasm.Results(gowasm.Int))
}

//go:wasmexport echo
func echo(s string) uint64 { return gowasm.ReturnString(s) }

func main() {}

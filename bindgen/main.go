// Command bindgen writes the wasm bindings of an ordinary Go package: a main
// package of //go:wasmexport shims, one per exported top-level function whose
// parameters and results can cross the boundary, each described for the
// Python host with gowasm's guest package. Python's gowasm.Module.from_go
// runs it; nobody needs to run it by hand.
//
//	GOOS=wasip1 GOARCH=wasm bindgen -pkg example.com/mathlib -o bindings.go
//
// It must run in the directory whose go.mod resolves the package, with the
// GOOS and GOARCH of the build, because it type-checks the package against
// the export data `go list -export` writes for that target: exactly what the
// build will compile, build tags included. It prints a JSON report on
// stdout: {"package": name, "dir": its directory, "same_package": bool,
// "functions": [...], "skipped": {name: reason}, "unexported": [...]}.
//
// A main package (a program's) cannot be imported, so its shims are written
// as a file of the package itself ("same_package": true); the build then
// adds that file to the package's directory with go build -overlay, so the
// user's tree is never written to. -overlay is passed on to go list, and so
// are the go build flags given after -- (-tags=pro must select the files the
// build will compile).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	pkg := flag.String("pkg", "", "import path of the package to bind")
	out := flag.String("o", "", "the Go file to write")
	overlay := flag.String("overlay", "", "a go build -overlay file for go list")
	reserved := flag.String("reserved", "", "comma-separated names not to bind (the host's own attributes)")
	flag.Parse()
	if *pkg == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: bindgen -pkg IMPORTPATH -o FILE [-overlay FILE] [-reserved NAMES] [-- GO BUILD FLAGS]")
		os.Exit(2)
	}
	names := map[string]bool{}
	for _, name := range strings.Split(*reserved, ",") {
		names[name] = name != ""
	}
	report, src, err := generate(*pkg, *overlay, flag.Args(), names)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(report); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

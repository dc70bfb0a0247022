package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// listed is what `go list -json` says of one package.
type listed struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	// IgnoredGoFiles are the package's files the build leaves out: build
	// constraints for another GOOS, or cgo (CGO_ENABLED=0 for wasm).
	IgnoredGoFiles []string
	Export         string
	ImportMap      map[string]string
	Error          *struct{ Err string }
}

// loaded is the package to bind, parsed and type-checked.
type loaded struct {
	dir   string // the package's directory
	fset  *token.FileSet
	files []*ast.File
	// ignored are the package's files the build leaves out, parsed only,
	// so that their functions can be reported rather than vanish.
	ignored []*ast.File
	pkg     *types.Package
	info    *types.Info
}

// load type-checks the package at path against the export data of its
// dependencies, as go vet does: `go list -export -deps` compiles them (the
// build needs them compiled anyway, and this warms Go's build cache for it)
// and names each one's export data file.
func load(path, overlay string, buildFlags []string) (*loaded, error) {
	args := []string{"list", "-export", "-deps", "-json=ImportPath,Name,Dir,GoFiles,IgnoredGoFiles,Export,ImportMap,Error"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, buildFlags...)
	cmd := exec.Command("go", append(args, "--", path)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, errors.New(msg)
	}
	exports := map[string]string{}
	var target *listed
	for dec := json.NewDecoder(bytes.NewReader(stdout)); ; {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list's output: %w", err)
		}
		if p.Error != nil {
			return nil, errors.New(p.Error.Err)
		}
		exports[p.ImportPath] = p.Export
		if p.ImportPath == path {
			target = &p
		}
	}
	if target == nil {
		return nil, fmt.Errorf("go list did not list %s", path)
	}

	l := &loaded{dir: target.Dir, fset: token.NewFileSet()}
	for _, name := range target.GoFiles {
		f, err := parser.ParseFile(l.fset, filepath.Join(target.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		l.files = append(l.files, f)
	}
	for _, name := range target.IgnoredGoFiles {
		if strings.HasSuffix(name, "_test.go") {
			continue // tests are never built into the package
		}
		// Unparseable ones are no concern of the build, nor of this.
		if f, err := parser.ParseFile(l.fset, filepath.Join(target.Dir, name), nil, parser.SkipObjectResolution); err == nil {
			l.ignored = append(l.ignored, f)
		}
	}
	lookup := func(importPath string) (io.ReadCloser, error) {
		if mapped, ok := target.ImportMap[importPath]; ok {
			importPath = mapped
		}
		file, ok := exports[importPath]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %s", importPath)
		}
		return os.Open(file)
	}
	conf := types.Config{
		Importer: importer.ForCompiler(l.fset, "gc", lookup),
		Sizes:    types.SizesFor("gc", "wasm"),
	}
	l.info = &types.Info{Defs: map[*ast.Ident]types.Object{}}
	l.pkg, err = conf.Check(path, l.fset, l.files, l.info)
	if err != nil {
		return nil, err
	}
	return l, nil
}

package engine

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/tetratelabs/wazero"
)

// Kind says how a module expects to be driven, which decides how it is
// initialised: the way its own toolchain's host would.
type Kind string

const (
	// KindReactor exports _initialize (Go/TinyGo -buildmode=c-shared, wasi-libc
	// reactors): it runs once, then exports are callable.
	KindReactor Kind = "reactor"
	// KindCommand exports only _start (a WASI program): running it is run's
	// job; loading it runs nothing.
	KindCommand Kind = "command"
	// KindTinyGoJS is TinyGo's -target wasm (browser) output: wasm_exec.js
	// runs _start first, which initialises the runtime, and then calls exports.
	KindTinyGoJS Kind = "tinygo-js"
	// KindGoJS is Go's GOOS=js output: every import uses Go's stack-pointer
	// ABI and expects wasm_exec.js' JavaScript objects; it cannot run here.
	KindGoJS Kind = "go-js"
	// KindLibrary has neither _start nor _initialize (Rust/C/Zig libraries,
	// hand-written WAT): exports are callable right away.
	KindLibrary Kind = "library"
)

// FuncNames are all the kind rules look at: the functions a module imports,
// as (module, name), and the names of the functions it exports. The loader
// takes them from wazero's CompiledModule; the inspector (which reads files
// wazero may reject) sends them as JSON through gowasm_classify, so these
// rules are written once.
type FuncNames struct {
	Imports []ImportName `json:"imports"`
	Exports []string     `json:"exports"`
}

// ImportName names an imported function.
type ImportName struct {
	Module string `json:"module"`
	Name   string `json:"name"`
}

// funcNames are the function names of a compiled module.
func funcNames(c wazero.CompiledModule) FuncNames {
	var n FuncNames
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		n.Imports = append(n.Imports, ImportName{mod, name})
	}
	for name := range c.ExportedFunctions() {
		n.Exports = append(n.Exports, name)
	}
	return n
}

// Classify says which kind of module imports and exports these functions.
func (n FuncNames) Classify() Kind {
	for _, f := range n.Imports {
		// Go 1.21+ imports from "gojs"; Go 1.11-1.20 from "go".
		if f.Module == "gojs" || (f.Module == "go" && (strings.HasPrefix(f.Name, "runtime.") || strings.HasPrefix(f.Name, "syscall/js."))) {
			return KindGoJS
		}
	}
	has := func(name string) bool { return slices.Contains(n.Exports, name) }
	switch {
	case has("_initialize"):
		return KindReactor
	case has("_start") && (has("resume") || has("go_scheduler")):
		return KindTinyGoJS
	case has("_start"):
		return KindCommand
	}
	return KindLibrary
}

// ClassifyJSON is Classify of FuncNames given as JSON (the C ABI's
// gowasm_classify).
func ClassifyJSON(data []byte) (Kind, error) {
	var n FuncNames
	if err := json.Unmarshal(data, &n); err != nil {
		return "", errs.Errorf(errs.ErrUsage, "gowasm: classifying a module: the description is not valid JSON of {\"imports\": [{\"module\", \"name\"}], \"exports\": [names]}: %v", err)
	}
	return n.Classify(), nil
}

// startFunctions are the exports run at instantiation, per kind.
func (k Kind) startFunctions() []string {
	switch k {
	case KindReactor:
		return []string{"_initialize"}
	case KindTinyGoJS:
		return []string{"_start"}
	}
	return nil
}

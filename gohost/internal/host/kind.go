package host

import (
	"strings"

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

func classify(c wazero.CompiledModule) Kind {
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		// Go 1.21+ imports from "gojs"; Go 1.11-1.20 from "go".
		if mod == "gojs" || (mod == "go" && (strings.HasPrefix(name, "runtime.") || strings.HasPrefix(name, "syscall/js."))) {
			return KindGoJS
		}
	}
	exports := c.ExportedFunctions()
	has := func(name string) bool { _, ok := exports[name]; return ok }
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

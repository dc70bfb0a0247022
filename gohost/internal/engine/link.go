package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gowasm/gowasm/gohost/internal/errs"
	"github.com/gowasm/gowasm/gohost/internal/wasip1"
	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/assemblyscript"
	"github.com/tetratelabs/wazero/imports/emscripten"
)

// Import describes one imported function and who satisfies it.
type Import struct {
	Module     string   `json:"module"`
	Name       string   `json:"name"`
	Params     []string `json:"params"`
	Results    []string `json:"results"`
	ProvidedBy string   `json:"provided_by"` // "wasi", "assemblyscript", "emscripten" or "stub"
}

func (i Import) signature() string {
	return formatSignature(i.Module+"."+i.Name, i.Params, i.Results)
}

// wasiModules are the names WASI preview 1 is imported under; wasi_unstable
// is the legacy name older TinyGo and AssemblyScript builds use.
var wasiModules = map[string]bool{"wasi_snapshot_preview1": true, "wasi_unstable": true}

// link instantiates, in rt, what the guest imports: a memory module for each
// imported memory, and a host module for every module name it imports
// functions from: WASI, the runtime imports of toolchains whose own hosts
// provide them (AssemblyScript, Emscripten), and stubs for the rest.
// A stub fails the call, naming the import, only if the guest calls it; with
// strict, any import that would need a stub fails the load instead.
func (m *Module) link(ctx context.Context, rt wazero.Runtime, guest wazero.CompiledModule, wasm []byte) ([]Import, error) {
	cfg := m.cfg
	hostFuncs := indexHostFuncs(cfg.HostFuncs)
	used := map[string]bool{}
	memories, err := linkMemories(ctx, rt, guest, wasm, cfg)
	if err != nil {
		return nil, err
	}

	rewritten := m.intr.instrumented || m.tables.checked
	if rewritten {
		if err := m.addPoll(ctx, rt); err != nil {
			return nil, err
		}
	}
	byModule := map[string][]api.FunctionDefinition{}
	var order []string
	for _, f := range guest.ImportedFunctions() {
		mod, _, _ := f.Import()
		if mod == wasmbin.PollModule && rewritten {
			continue // gowasm's own (see wasmbin/instrument.go), not the guest's
		}
		if _, seen := byModule[mod]; !seen {
			order = append(order, mod)
		}
		byModule[mod] = append(byModule[mod], f)
	}

	var all, missing []Import
	builders := map[string]wazero.HostModuleBuilder{}
	for _, mod := range order {
		if memories[mod] {
			return nil, errs.Errorf(errs.ErrLink, "gowasm: %s imports both a memory and functions from module %q, which gowasm cannot provide yet", cfg.displayName(), mod)
		}
		b := rt.NewHostModuleBuilder(mod)
		provider := ""
		switch {
		case wasiModules[mod]:
			wasip1.Export(b, m.wasiSleep)
			provider = "wasi"
		case mod == "env" && isAssemblyScript(byModule[mod]):
			assemblyscript.NewFunctionExporter().WithTraceToStdout().ExportFunctions(b)
			provider = "assemblyscript"
		case mod == "env" && isEmscripten(byModule[mod]):
			exp, err := emscripten.NewFunctionExporterForModule(guest)
			if err != nil {
				return nil, errs.Errorf(errs.ErrLink, "gowasm: %s: %v", cfg.displayName(), err)
			}
			exp.ExportFunctions(b)
			provider = "emscripten"
		}
		provided := map[string]bool{}
		if provider != "" {
			compiled, err := b.Compile(ctx)
			if err != nil {
				return nil, errs.Errorf(errs.ErrInternal, "gowasm: compiling the %s host module: %v", provider, err)
			}
			for name := range compiled.ExportedFunctions() {
				provided[name] = true
			}
			// A host module's code is cached under its address, so every
			// compile adds an entry to the process-wide engine that only
			// Close removes (~27 KB per load of a WASI module otherwise).
			// Instantiate below compiles its own copy, freed with the runtime.
			compiled.Close(ctx)
		}
		for _, f := range byModule[mod] {
			_, name, _ := f.Import()
			imp := Import{Module: mod, Name: name, Params: typeNames(f.ParamTypes()), Results: typeNames(f.ResultTypes()), ProvidedBy: provider}
			if hf, ok := hostFuncs[mod][name]; ok { // the embedder's wins
				if err := m.addHostFunc(b, f, hf); err != nil {
					return nil, err
				}
				imp.ProvidedBy = "python"
				used[mod+"."+name] = true
			} else if !provided[name] {
				imp.ProvidedBy = "stub"
				missing = append(missing, imp)
				addStub(b, f, imp, cfg)
			}
			all = append(all, imp)
		}
		builders[mod] = b
	}

	if err := hostFuncs.unused(used, all, cfg); err != nil {
		return nil, err
	}
	if cfg.StrictImports && len(missing) > 0 {
		lines := make([]string, len(missing))
		for i, imp := range missing {
			lines[i] = "  " + imp.signature()
		}
		sort.Strings(lines)
		return nil, errs.Errorf(errs.ErrLink, "gowasm: %s imports %d function(s) that nothing provides:\n%s\n"+
			"gowasm provides WASI preview 1 and the AssemblyScript and Emscripten runtime imports. "+
			"Without strict_imports=True these imports are stubbed and fail only if the guest calls them.",
			cfg.displayName(), len(missing), strings.Join(lines, "\n"))
	}
	for _, mod := range order {
		if _, err := builders[mod].Instantiate(ctx); err != nil {
			return nil, errs.Errorf(errs.ErrLink, "gowasm: %s: cannot provide imports of module %q: %v", cfg.displayName(), mod, err)
		}
	}
	return all, nil
}

// linkMemories gives each imported memory a module that defines it with the
// limits the guest asked for (pthread-style C modules import their memory).
// It returns the module names it instantiated.
func linkMemories(ctx context.Context, rt wazero.Runtime, guest wazero.CompiledModule, wasm []byte, cfg Config) (map[string]bool, error) {
	if len(guest.ImportedMemories()) == 0 {
		return nil, nil
	}
	imports, err := wasmbin.MemoryImports(wasm)
	if err != nil {
		return nil, errs.Errorf(errs.ErrCompile, "gowasm: %s: reading its memory imports: %v", cfg.displayName(), err)
	}
	done := map[string]bool{}
	for _, imp := range imports {
		if done[imp.Module] {
			return nil, errs.Errorf(errs.ErrLink, "gowasm: %s imports several memories from module %q, which gowasm cannot provide", cfg.displayName(), imp.Module)
		}
		if imp.Limits.Flags&4 != 0 {
			return nil, errs.Errorf(errs.ErrLink, "gowasm: %s imports a 64-bit memory, which wazero does not support", cfg.displayName())
		}
		_, err := rt.InstantiateWithConfig(ctx, wasmbin.MemoryModule(imp.Name, imp.Limits), wazero.NewModuleConfig().WithName(imp.Module))
		if err != nil {
			return nil, errs.Errorf(errs.ErrLink, "gowasm: %s: cannot provide memory %s.%s: %v", cfg.displayName(), imp.Module, imp.Name, err)
		}
		done[imp.Module] = true
	}
	return done, nil
}

// addStub satisfies an import nobody provides with a function that fails the
// call with a message naming the import and saying what to do.
func addStub(b wazero.HostModuleBuilder, f api.FunctionDefinition, imp Import, cfg Config) {
	msg := fmt.Sprintf("gowasm: the guest called %s, an import that nothing provides (gowasm stubbed it so that %s could load)",
		imp.signature(), cfg.displayName())
	if strings.HasPrefix(imp.Name, "syscall/js.") {
		msg += "; this module was built for a JavaScript host (TinyGo -target wasm using syscall/js): rebuild it with -target=wasip1 and export functions with //export or //go:wasmexport"
	}
	stubErr := &errs.Error{Code: errs.ErrLink, Msg: msg}
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) { panic(stubErr) }),
			f.ParamTypes(), f.ResultTypes()).
		Export(imp.Name)
}

// isAssemblyScript recognises AssemblyScript's runtime import env.abort.
func isAssemblyScript(fs []api.FunctionDefinition) bool {
	for _, f := range fs {
		if _, name, _ := f.Import(); name == "abort" && len(f.ParamTypes()) == 4 && len(f.ResultTypes()) == 0 {
			return true
		}
	}
	return false
}

// isEmscripten recognises Emscripten's standalone runtime imports.
func isEmscripten(fs []api.FunctionDefinition) bool {
	for _, f := range fs {
		if _, name, _ := f.Import(); name == "emscripten_notify_memory_growth" || strings.HasPrefix(name, "invoke_") {
			return true
		}
	}
	return false
}

func typeNames(ts []api.ValueType) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = api.ValueTypeName(t)
	}
	return names
}

package host

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// HostFunc names a function the embedder provides for an import; ID is the
// embedder's, handed back on every call.
type HostFunc struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	ID     uint64 `json:"id"`
}

// HostCallFunc calls embedder function id for module (a handle), with the
// import's params in stack, which receives its results; sig is the import's
// signature ("i32,i64:f64"). An error means the embedder's function failed
// (e.g. raised a Python exception, which the embedder keeps to re-raise
// when the guest call returns).
type HostCallFunc func(id, module uint64, stack []uint64, sig string) error

var hostCall atomic.Pointer[HostCallFunc]

// SetHostCall installs the host function callback (once, at initialization).
func SetHostCall(f HostCallFunc) { hostCall.Store(&f) }

// ThreadID identifies the calling OS thread; the cgo layer installs one.
// It tells a host function's call back into its own module (same thread:
// re-entrant, must not wait for the lock its own caller holds) from another
// thread's call (which must wait).
var ThreadID = func() uint64 { return 0 }

// hostState tracks host function calls in progress on a module.
type hostState struct {
	depth  atomic.Int32  // host functions running (nested calls count)
	thread atomic.Uint64 // the thread they run on
	// starting is the instance during instantiation, before Module.inst is
	// set: a host function called by _initialize may read its memory.
	starting atomic.Pointer[api.Module]
}

func (h *hostState) reentrant() bool {
	return h.depth.Load() > 0 && h.thread.Load() == ThreadID()
}

// addHostFunc satisfies an import with the embedder's function.
func (m *Module) addHostFunc(b wazero.HostModuleBuilder, f api.FunctionDefinition, hf HostFunc) {
	sig := typeCodes(f.ParamTypes()) + ":" + typeCodes(f.ResultTypes())
	what := hf.Module + "." + hf.Name
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
			call := hostCall.Load()
			if call == nil {
				panic(errorf(ErrInternal, "gowasm: no host function callback installed"))
			}
			if m.inst == nil {
				m.host.starting.Store(&caller)
			}
			depth := m.host.depth.Add(1)
			if depth == 1 {
				m.host.thread.Store(ThreadID())
			}
			err := (*call)(hf.ID, m.Handle, stack, sig)
			m.host.depth.Add(-1)
			if err != nil {
				panic(&Error{Code: ErrHost, Msg: fmt.Sprintf("gowasm: host function %s failed: %v", what, err)})
			}
		}), f.ParamTypes(), f.ResultTypes()).
		Export(hf.Name)
}

// typeCodes writes value types as the callback's signature string.
func typeCodes(ts []api.ValueType) string {
	return strings.Join(typeNames(ts), ",")
}

// hostFuncIndex groups the embedder's functions by import module and name.
type hostFuncIndex map[string]map[string]HostFunc

func indexHostFuncs(fs []HostFunc) hostFuncIndex {
	idx := hostFuncIndex{}
	for _, f := range fs {
		if idx[f.Module] == nil {
			idx[f.Module] = map[string]HostFunc{}
		}
		idx[f.Module][f.Name] = f
	}
	return idx
}

// unused reports host functions that match no import, with what the
// module does import, so that a typo is caught at load.
func (idx hostFuncIndex) unused(used map[string]bool, imports []Import, cfg Config) error {
	var extra []string
	for mod, names := range idx {
		for name := range names {
			if !used[mod+"."+name] {
				extra = append(extra, mod+"."+name)
			}
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	var have []string
	for _, imp := range imports {
		have = append(have, imp.Module+"."+imp.Name)
	}
	if len(have) == 0 {
		have = []string{"nothing"}
	}
	return errorf(ErrLink, "gowasm: %s does not import %s (imports= names an import the module does not have); it imports: %s",
		cfg.displayName(), strings.Join(extra, ", "), strings.Join(have, ", "))
}

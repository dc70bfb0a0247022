package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/gowasm/gowasm/gohost/internal/errs"
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
// import's params in stack, which receives its results; sig encodes the
// import's signature (see SigCode). Around the embedder's code it marks
// calls (see Callout). An error means the embedder's function failed (e.g.
// raised a Python exception, which the embedder keeps to re-raise when the
// guest call returns).
type HostCallFunc func(id, module uint64, stack []uint64, sig uint64, calls *Callout) error

// Callout tracks the module's calls out to the embedder in progress (host
// functions, guest stdio): while one runs, the module's lock is held by the
// guest call that made it, and the embedder's code may call the module
// again on the same thread. Every callback stores Thread (see ThreadID)
// and only then increments Depth, atomically and in that order, before
// running embedder code, and decrements Depth after: so a thread that sees
// Depth > 0 also sees the right Thread. The cgo layer does it in C, which
// saves a C call per callback.
type Callout struct {
	Depth  int32
	Thread uint64
	// after runs when a guest stdio callback has returned: it stops the
	// call if its module was closed, or its deadline passed, meanwhile
	// (Module.stopIfClosedOrLate; nil outside a module).
	after func()
}

// reentrant reports whether the calling thread is inside a callout of this
// module, so that a call from it must not wait for the lock its own outer
// call holds.
func (c *Callout) reentrant() bool {
	return atomic.LoadInt32(&c.Depth) > 0 && atomic.LoadUint64(&c.Thread) == ThreadID()
}

// SigCode packs a signature into an integer, cheaper to pass on every call
// than a string: bits 0-4 count the params, 5-9 the results, then 2 bits
// per type (i32, i64, f32, f64), params first. Other types, or more than
// 27 in all, cannot be packed (ok is false).
func SigCode(params, results []api.ValueType) (code uint64, ok bool) {
	all := append(append([]api.ValueType(nil), params...), results...)
	if len(all) > 27 {
		return 0, false
	}
	code = uint64(len(params)) | uint64(len(results))<<5
	for i, t := range all {
		var bits uint64
		switch t {
		case api.ValueTypeI32:
			bits = 0
		case api.ValueTypeI64:
			bits = 1
		case api.ValueTypeF32:
			bits = 2
		case api.ValueTypeF64:
			bits = 3
		default:
			return 0, false
		}
		code |= bits << (10 + 2*i)
	}
	return code, true
}

var hostCall atomic.Pointer[HostCallFunc]

// SetHostCall installs the host function callback (once, at initialization).
func SetHostCall(f HostCallFunc) { hostCall.Store(&f) }

// ThreadID identifies the calling OS thread; the cgo layer installs one.
// It tells a host function's call back into its own module (same thread:
// re-entrant, must not wait for the lock its own caller holds) from another
// thread's call (which must wait).
var ThreadID = func() uint64 { return 0 }

// hostState tracks the module's calls out to the embedder.
type hostState struct {
	calls Callout
	// starting is the instance during instantiation, before Module.inst is
	// set: a host function called by _initialize may read its memory.
	starting atomic.Pointer[api.Module]
}

func (h *hostState) reentrant() bool { return h.calls.reentrant() }

// addHostFunc satisfies an import with the embedder's function.
func (m *Module) addHostFunc(b wazero.HostModuleBuilder, f api.FunctionDefinition, hf HostFunc) error {
	what := hf.Module + "." + hf.Name
	sig, ok := SigCode(f.ParamTypes(), f.ResultTypes())
	if !ok {
		return errs.Errorf(errs.ErrLink, "gowasm: %s: the import %s has types Python host functions cannot take yet (i32, i64, f32, f64 only, 27 at most)",
			m.cfg.displayName(), formatSignature(what, typeNames(f.ParamTypes()), typeNames(f.ResultTypes())))
	}
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
			call := hostCall.Load()
			if call == nil {
				panic(errs.Errorf(errs.ErrInternal, "gowasm: no host function callback installed"))
			}
			if m.inst == nil {
				m.host.starting.Store(&caller)
			}
			if err := (*call)(hf.ID, m.Handle, stack, sig, &m.host.calls); err != nil {
				panic(&errs.Error{Code: errs.ErrHost, Msg: fmt.Sprintf("gowasm: host function %s failed: %v", what, err)})
			}
			// Back in gowasm: a Close or a deadline that came while Python
			// ran (which nothing can preempt) stops the call here.
			m.stopIfClosedOrLate()
		}), f.ParamTypes(), f.ResultTypes()).
		Export(hf.Name)
	return nil
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
	return errs.Errorf(errs.ErrLink, "gowasm: %s does not import %s (imports= names an import the module does not have); it imports: %s",
		cfg.displayName(), strings.Join(extra, ", "), strings.Join(have, ", "))
}

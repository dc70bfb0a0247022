package wazerointernal

import (
	"context"
	"errors"
	"reflect"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// TrustedCompile is wazero's runtime.CompileModule (v1.12.0, runtime.go)
// step for step, except that function bodies are not validated: it is only
// called for bytes wazero has validated before (compile/compile.go says why).
// wazero has no option for this, so its internals are reached the way
// fdtable.go reaches its descriptor table: exported methods of internal
// types through reflect, unexported fields by offset, and its decoder by
// linkname. Everything is checked once (trusted), and a wazero other than
// the version this mirrors turns the whole path off: loads then validate as
// before, and TestEveryReachIntoWazero fails so that the mirror is
// re-read against the new wazero.

// MirroredWazero is the wazero version whose CompileModule this mirrors.
const MirroredWazero = "v1.12.0"

// WazeroVersionForTests stands in for the version go test's binaries do
// not record (they carry no dependency versions); the tests of packages that
// compile set it from go.mod (testkit.GoModWazero).
var WazeroVersionForTests string

// decodeModule is wazero's internal/wasm/binary.DecodeModule. Its result is
// a *wasm.Module, typed here as unsafe.Pointer (the same machine word).
//
//go:linkname decodeModule github.com/tetratelabs/wazero/internal/wasm/binary.DecodeModule
func decodeModule(binary []byte, enabledFeatures api.CoreFeatures, memoryLimitPages uint32,
	memoryCapacityFromMax, dwarfEnabled, storeCustomSections bool) (unsafe.Pointer, error)

// mirror holds what TrustedCompile needs to know about wazero's types.
type MirrorStatus struct {
	OK      bool
	Why     string // why not ok
	Version string

	runtime  reflect.Type // wazero.runtime
	module   reflect.Type // wasm.Module
	compiled reflect.Type // wazero.compiledModule
	// runtime's fields: store, enabledFeatures, memoryLimitPages,
	// memoryCapacityFromMax, dwarfDisabled, storeCustomSections, ensureTermination.
	rt map[string]reflect.StructField
	// compiledModule's fields: module, compiledEngine, typeIDs.
	CompiledModuleFields map[string]reflect.StructField
	// code: wasm.Code's size and its GoFunc field's offset.
	codeSize, goFuncOffset uintptr
}

var (
	mirrorOnce sync.Once
	theMirror  MirrorStatus
)

// trusted checks, once, that wazero is the version TrustedCompile mirrors
// and that its types have the fields and methods it uses.
func Mirror() *MirrorStatus {
	mirrorOnce.Do(func() {
		theMirror = probeMirror()
	})
	return &theMirror
}

func wazeroVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/tetratelabs/wazero" {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return ""
}

func probeMirror() (m MirrorStatus) {
	fail := func(why string) MirrorStatus { return MirrorStatus{Why: why, Version: m.Version} }
	m.Version = wazeroVersion()
	if m.Version == "" {
		m.Version = WazeroVersionForTests
	}
	if m.Version != MirroredWazero {
		return fail("wazero is " + m.Version + ", the mirror is of " + MirroredWazero)
	}
	// A compiled empty module gives the internal types.
	rt := wazero.NewRuntimeWithConfig(context.Background(), wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(context.Background())
	c, err := rt.CompileModule(context.Background(), []byte("\x00asm\x01\x00\x00\x00"))
	if err != nil {
		return fail("compiling an empty module: " + err.Error())
	}
	ct := reflect.TypeOf(c)
	rtt := reflect.TypeOf(rt)
	if ct.Kind() != reflect.Pointer || ct.Elem().Kind() != reflect.Struct ||
		rtt.Kind() != reflect.Pointer || rtt.Elem().Kind() != reflect.Struct {
		return fail("wazero's runtime or compiledModule is not a pointer to a struct")
	}
	m.compiled, m.runtime = ct.Elem(), rtt.Elem()
	var ok bool
	if m.CompiledModuleFields, ok = fieldsOf(m.compiled, map[string]reflect.Kind{
		"module": reflect.Pointer, "compiledEngine": reflect.Interface, "typeIDs": reflect.Slice}); !ok {
		return fail("compiledModule's fields changed")
	}
	if m.rt, ok = fieldsOf(rtt.Elem(), map[string]reflect.Kind{
		"store": reflect.Pointer, "enabledFeatures": reflect.Uint64, "memoryLimitPages": reflect.Uint32,
		"memoryCapacityFromMax": reflect.Bool, "dwarfDisabled": reflect.Bool,
		"storeCustomSections": reflect.Bool, "ensureTermination": reflect.Bool}); !ok {
		return fail("runtime's fields changed")
	}
	m.module = m.CompiledModuleFields["module"].Type.Elem()
	store := m.rt["store"].Type
	engine, ok := store.Elem().FieldByName("Engine")
	if !ok || engine.Type != m.CompiledModuleFields["compiledEngine"].Type {
		return fail("Store.Engine changed")
	}
	errT := reflect.TypeOf((*error)(nil)).Elem()
	listeners := reflect.TypeOf([]experimental.FunctionListener(nil))
	modPtr := reflect.PointerTo(m.module)
	types, okTypes := m.module.FieldByName("TypeSection")
	code, okCode := m.module.FieldByName("CodeSection")
	if !okTypes || !okCode || types.Type.Kind() != reflect.Slice || code.Type.Kind() != reflect.Slice {
		return fail("Module's sections changed")
	}
	checks := []struct {
		t    reflect.Type
		name string
		in   []reflect.Type
		out  []reflect.Type
	}{
		{modPtr, "Validate", []reflect.Type{reflect.TypeOf(api.CoreFeatures(0))}, []reflect.Type{errT}},
		{modPtr, "BuildMemoryDefinitions", nil, nil},
		{modPtr, "AssignModuleID", []reflect.Type{reflect.TypeOf([]byte(nil)), listeners, reflect.TypeOf(false)}, nil},
		{store, "GetFunctionTypeIDs", []reflect.Type{types.Type}, []reflect.Type{m.CompiledModuleFields["typeIDs"].Type, errT}},
		{engine.Type, "CompileModule", []reflect.Type{reflect.TypeOf((*context.Context)(nil)).Elem(), modPtr, listeners, reflect.TypeOf(false)}, []reflect.Type{errT}},
	}
	for _, c := range checks {
		if !hasMethod(c.t, c.name, c.in, c.out) {
			return fail(c.name + "'s signature changed")
		}
	}
	goFunc, ok := code.Type.Elem().FieldByName("GoFunc")
	if !ok || goFunc.Type.Kind() != reflect.Interface || goFunc.Type.NumMethod() != 0 {
		return fail("Code.GoFunc changed")
	}
	m.codeSize, m.goFuncOffset = code.Type.Elem().Size(), goFunc.Offset
	m.OK = true
	return m
}

func fieldsOf(t reflect.Type, want map[string]reflect.Kind) (map[string]reflect.StructField, bool) {
	out := map[string]reflect.StructField{}
	for name, kind := range want {
		f, ok := t.FieldByName(name)
		if !ok || f.Type.Kind() != kind {
			return nil, false
		}
		out[name] = f
	}
	return out, true
}

// hasMethod says whether t has the method name with exactly these
// parameters and results (the receiver excluded for interfaces' methods).
func hasMethod(t reflect.Type, name string, in, out []reflect.Type) bool {
	meth, ok := t.MethodByName(name)
	if !ok {
		return false
	}
	ft, skip := meth.Type, 1
	if t.Kind() == reflect.Interface {
		skip = 0
	}
	if ft.NumIn() != len(in)+skip || ft.NumOut() != len(out) || ft.IsVariadic() {
		return false
	}
	for i, p := range in {
		if ft.In(i+skip) != p {
			return false
		}
	}
	for i, r := range out {
		if ft.Out(i) != r {
			return false
		}
	}
	return true
}

// Field is an addressable, settable view of a struct's field at base.
func Field(base unsafe.Pointer, f reflect.StructField) reflect.Value {
	return reflect.NewAt(f.Type, unsafe.Add(base, f.Offset)).Elem()
}

func callErr(out []reflect.Value) error {
	if err := out[len(out)-1]; !err.IsNil() {
		return err.Interface().(error)
	}
	return nil
}

// skipBody is what GoFunc holds while Validate runs: wazero's function
// validation skips code whose GoFunc is set (host functions).
var skipBody any = struct{}{}

// decodeAs decodes binary with wazero's decoder as runtime r's
// CompileModule would (its features, memory limits and section options),
// returning the *wasm.Module and a reader of r's fields.
func decodeAs(r wazero.Runtime, binary []byte) (m *MirrorStatus, module unsafe.Pointer, get func(string) reflect.Value, err error) {
	m = Mirror()
	if !m.OK {
		return nil, nil, nil, errors.New("gowasm: the mirror of wazero is off: " + m.Why)
	}
	rv := reflect.ValueOf(r)
	if rv.Type() != reflect.PointerTo(m.runtime) {
		return nil, nil, nil, errors.New("gowasm: not wazero's runtime")
	}
	rp := rv.UnsafePointer()
	get = func(name string) reflect.Value { return Field(rp, m.rt[name]) }
	module, err = decodeModule(binary, api.CoreFeatures(get("enabledFeatures").Uint()), uint32(get("memoryLimitPages").Uint()),
		get("memoryCapacityFromMax").Bool(), !get("dwarfDisabled").Bool(), get("storeCustomSections").Bool())
	return m, module, get, err
}

// TrustedCompile: see the top of the file, and wazero v1.12.0's
// runtime.CompileModule, which it follows line by line.
func CompileTrusted(ctx context.Context, r wazero.Runtime, binary []byte) (wazero.CompiledModule, error) {
	// gowasm sets no function listeners, so CompileModule's
	// buildFunctionListeners would return none: noListeners below.
	m, modPtr, get, err := decodeAs(r, binary)
	if err != nil {
		return nil, err
	}
	features := api.CoreFeatures(get("enabledFeatures").Uint())
	ensureTermination := get("ensureTermination").Bool()
	mod := reflect.NewAt(m.module, modPtr)

	// Validate everything but the function bodies.
	code := mod.Elem().FieldByName("CodeSection")
	base, n := code.UnsafePointer(), code.Len()
	goFunc := func(i int) *any {
		return (*any)(unsafe.Add(base, uintptr(i)*m.codeSize+m.goFuncOffset))
	}
	for i := 0; i < n; i++ {
		if *goFunc(i) != nil {
			return nil, errors.New("gowasm: a decoded function has a GoFunc")
		}
		*goFunc(i) = skipBody
	}
	out := mod.MethodByName("Validate").Call([]reflect.Value{reflect.ValueOf(features)})
	for i := 0; i < n; i++ {
		*goFunc(i) = nil
	}
	if err := callErr(out); err != nil {
		return nil, err
	}
	mod.MethodByName("BuildMemoryDefinitions").Call(nil)

	c := reflect.New(m.compiled)
	cp := c.UnsafePointer()
	store := get("store")
	engine := store.Elem().FieldByName("Engine")
	Field(cp, m.CompiledModuleFields["module"]).Set(mod)
	Field(cp, m.CompiledModuleFields["compiledEngine"]).Set(engine)

	out = store.MethodByName("GetFunctionTypeIDs").Call([]reflect.Value{mod.Elem().FieldByName("TypeSection")})
	if err := callErr(out); err != nil {
		return nil, err
	}
	Field(cp, m.CompiledModuleFields["typeIDs"]).Set(out[0])

	var noListeners []experimental.FunctionListener
	mod.MethodByName("AssignModuleID").Call([]reflect.Value{
		reflect.ValueOf(binary), reflect.ValueOf(noListeners), reflect.ValueOf(ensureTermination)})
	out = engine.MethodByName("CompileModule").Call([]reflect.Value{
		reflect.ValueOf(&ctx).Elem(), mod, reflect.ValueOf(noListeners), reflect.ValueOf(ensureTermination)})
	if err := callErr(out); err != nil {
		return nil, err
	}
	return c.Interface().(wazero.CompiledModule), nil
}

// fileCacheKey is wazero's internal/engine/wazevo.fileCacheKey: the name
// (hex) of a module's entry in a cache directory. filecache.Key is a
// [32]byte; its argument a *wasm.Module, typed here as unsafe.Pointer.
//
//go:linkname fileCacheKey github.com/tetratelabs/wazero/internal/engine/wazevo.fileCacheKey
func fileCacheKey(module unsafe.Pointer) [32]byte

// CacheEntryKey is the key (its hex the file name) under which wazero
// caches binary's compiled code, as r would compile it.
func CacheEntryKey(r wazero.Runtime, binary []byte) (key [32]byte, err error) {
	m, modPtr, get, err := decodeAs(r, binary)
	if err != nil {
		return key, err
	}
	var noListeners []experimental.FunctionListener
	reflect.NewAt(m.module, modPtr).MethodByName("AssignModuleID").Call([]reflect.Value{
		reflect.ValueOf(binary), reflect.ValueOf(noListeners), reflect.ValueOf(get("ensureTermination").Bool())})
	return fileCacheKey(modPtr), nil
}

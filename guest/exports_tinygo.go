//go:build tinygo.wasm

package gowasm

import "unsafe"

// TinyGo's runtime exports malloc and free (src/runtime/
// arch_tinygowasm_malloc.go: it keeps blocks alive in a map, as
// exports_gc.go does for Go), so this package uses those rather than
// exporting its own. Results must come from that malloc: the host frees them
// with the exported free, which aborts on a pointer it did not hand out.
//
// A body-less function with //export declares an external symbol in TinyGo;
// the linker resolves it to the runtime's definition, as TinyGo's own
// runtime.go does for malloc. The signatures must match the runtime's.
// The runtime defines them only when built without -tags=custommalloc,
// -gc=boehm and -target=wasm-unknown; with those, malloc is undefined and
// this package cannot be used.
//
// This file cannot be built here (no TinyGo); standard Go ignores it.

//export malloc
func runtimeMalloc(size uintptr) unsafe.Pointer

//export free
func runtimeFree(ptr unsafe.Pointer)

func allocate(size uint32) (uint32, []byte) {
	if size == 0 {
		return 0, nil
	}
	p := runtimeMalloc(uintptr(size))
	return uint32(uintptr(p)), unsafe.Slice((*byte)(p), size)
}

func release(ptr uint32) {
	if ptr == 0 {
		return
	}
	runtimeFree(unsafe.Pointer(uintptr(ptr)))
}

// describe returns Description() packed, like any json result. //export
// rather than //go:wasmexport: every TinyGo version with wasip1 knows it.
//
//export gowasm_describe
func describe() uint64 {
	return ReturnBytes(Description())
}

package wazerointernal

import (
	"reflect"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
)

// GlobalAddress returns where wazero's compiler keeps a mutable i32 global
// of an instance, or nil if it cannot tell (another engine, or a wazero
// whose internals differ from v1.12's: a test checks it). The compiled
// code reads the global from the module engine's "opaque" buffer; wazero
// offers no API for its address, so it is found by setting the global to
// a marker through the API and looking for the marker there.
func GlobalAddress(g api.MutableGlobal) (addr unsafe.Pointer) {
	defer func() {
		if recover() != nil {
			addr = nil // not the layout this was written for
		}
	}()
	v := reflect.ValueOf(g)
	if v.Kind() != reflect.Struct || v.NumField() < 2 {
		return nil
	}
	gi := v.Field(1) // *wasm.GlobalInstance
	if gi.Kind() != reflect.Pointer || gi.IsNil() {
		return nil
	}
	me := gi.Elem().FieldByName("Me")
	if !me.IsValid() || me.IsNil() {
		return nil
	}
	engine := me.Elem()
	if engine.Kind() != reflect.Pointer {
		return nil
	}
	opaque := engine.Elem().FieldByName("opaque")
	if !opaque.IsValid() || opaque.Kind() != reflect.Slice || opaque.Len() == 0 {
		return nil
	}
	base, n := opaque.UnsafePointer(), opaque.Len()
	old := g.Get()
	defer g.Set(old)
	const marker1, marker2 = 0x6f77a5e1, 0x1e5a776f
	g.Set(marker1)
	for off := 0; off+4 <= n; off += 4 {
		p := unsafe.Add(base, off)
		if *(*uint32)(p) != marker1 {
			continue
		}
		g.Set(marker2)
		if *(*uint32)(p) == marker2 {
			return p
		}
		g.Set(marker1)
	}
	return nil
}

package gowasm

import (
	"encoding/json"
	"strconv"
	"unsafe"
)

// This file is the same on every platform. It rests on three functions
// defined per platform: allocate and release (the allocator behind malloc
// and free) and memory (a view of guest memory).

// ReadString returns a copy of the size bytes at ptr: a str parameter that
// arrived as (ptr, size). The copy is the guest's to keep; the bytes at ptr
// are freed by the host when the call returns.
func ReadString(ptr, size uint32) string {
	return string(memory(ptr, size))
}

// ReadBytes returns a copy of the size bytes at ptr: a bytes parameter that
// arrived as (ptr, size). It is never nil.
func ReadBytes(ptr, size uint32) []byte {
	b := make([]byte, size)
	copy(b, memory(ptr, size))
	return b
}

// ReadJSON decodes the JSON text of size bytes at ptr, a json parameter,
// into v as json.Unmarshal does.
func ReadJSON(ptr, size uint32, v any) error {
	// Unmarshal copies what it keeps, so no copy of the input is needed.
	return json.Unmarshal(memory(ptr, size), v)
}

// UnsafeString is ReadString without the copy: the string is the host's
// buffer itself. It is valid only until the exported function returns, when
// the host frees the buffer and its bytes are reused: do not keep it, or
// anything that shares its memory (a substring, a map key), past the call.
func UnsafeString(ptr, size uint32) string {
	b := memory(ptr, size)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// UnsafeBytes is ReadBytes without the copy: the slice is the host's buffer
// itself, valid only until the exported function returns (see UnsafeString).
// Writing to it is allowed, and is visible to nobody.
func UnsafeBytes(ptr, size uint32) []byte {
	return memory(ptr, size)
}

// ReturnString copies s to memory from malloc and returns Pack(ptr, len(s)):
// the i64 result for a str. The host frees that memory after reading it.
func ReturnString(s string) uint64 {
	ptr, buf := allocate(length(len(s)))
	copy(buf, s)
	return Pack(ptr, uint32(len(buf)))
}

// ReturnBytes copies b to memory from malloc and returns Pack(ptr, len(b)):
// the i64 result for bytes. The host frees that memory after reading it.
func ReturnBytes(b []byte) uint64 {
	ptr, buf := allocate(length(len(b)))
	copy(buf, b)
	return Pack(ptr, uint32(len(buf)))
}

// ReturnJSON encodes v as json.Marshal does and returns it like ReturnBytes:
// the i64 result for json. It panics if v cannot be encoded (a channel, a
// NaN...): a guest has no other way to report the mistake, and the panic
// reaches the host as a failed call.
func ReturnJSON(v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		panic("gowasm: ReturnJSON: " + err.Error())
	}
	return ReturnBytes(b)
}

// Malloc allocates size bytes as the exported malloc does, for guest code
// that hands memory to the host by other means (an import of its own, say).
// The memory stays allocated until Free(ptr) or the host's free(ptr).
// Malloc(0) is 0.
func Malloc(size uint32) uint32 {
	ptr, _ := allocate(size)
	return ptr
}

// Free frees memory from Malloc or malloc, as the exported free does.
// Free(0) does nothing; freeing anything else twice panics.
func Free(ptr uint32) {
	release(ptr)
}

// length converts a Go length to a wasm one. Only host tests can have more
// than 4 GiB; there it panics rather than wrap.
func length(n int) uint32 {
	if uint64(n) > 1<<32-1 {
		panic("gowasm: " + strconv.Itoa(n) + " bytes do not fit in 32-bit wasm memory")
	}
	return uint32(n)
}

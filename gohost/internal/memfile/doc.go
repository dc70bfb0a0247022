// Package memfile backs a wasm linear memory with a memory file mapped
// shared, reserved at its maximum so that it never moves: Python maps the
// same pages for zero-copy views that outlive growth and close. Where memory
// files are not supported (Supported is false), modules keep wazero's own
// memories. It imports nothing of gowasm.
package memfile

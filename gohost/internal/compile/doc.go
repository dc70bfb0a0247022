// Package compile turns bytes into wazero's compiled modules: which cache
// directory may hold compiled code (cachedir.go, the trust rule), cache
// entries checked before wazero reads them (cacheentry.go), validation
// remembered per module (compile.go) and the process-wide compilation
// caches (cache.go). It imports wazerointernal only.
package compile

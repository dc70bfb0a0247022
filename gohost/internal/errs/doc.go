// Package errs is gowasm's status vocabulary: the Code every failing
// operation carries (the GOWASM_ERR_* constants of gowasm.h, each one
// Python exception class) and the Error that carries it. It imports nothing
// of gowasm, so every other package can speak it.
package errs

"""cffi build script for gowasm's extension module ``gowasm._gowasm_cffi``.

It is run by setup.py (``cffi_modules``) after libgowasm has been built from
gohost/; see RATIONALE.md for why API mode. The cdef is derived from
gohost/gowasm.h so that the C ABI is declared in exactly one place.

Besides the ABI, the extension defines, in C:
- a thread-local ``gowasm_error`` and, for every fast-call entry point, a
  wrapper ``gwpy_call_*`` that passes it: Python calls the wrapper with
  scalars only (the cheapest cffi call) and, when the result is the failure
  sentinel, takes the error with ``gwpy_take_error`` on the same thread;
- ``gwpy_write`` and ``gwpy_read``, the Python callbacks for guest stdio, and
  ``gwpy_host_call`` for Python host functions;
- ``gwpy_to_c_i64``, which replaces cffi's converter of int64_t arguments so
  that integer parameters refuse what has ``__int__`` but no ``__index__``;
- ``GWPY_MAP_NORESERVE``, the platform's ``MAP_NORESERVE`` (or 0);
- ``gwpy_watch_fork``: in a child forked after gowasm loaded, every wrapper
  fails at once with ``GWPY_ERR_FORKED`` instead of entering Go.
"""

import os
import re
from typing import Any, Dict, Optional, Tuple

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HEADER_DIR = os.path.join(ROOT, "gohost")

_FAST_CALL = re.compile(r"^(\w+) (gowasm_call_\w+)\(gowasm_error \*err, uint64_t func((?:, \w+ a\d)*)\);$", re.M)


def _header() -> str:
    with open(os.path.join(HEADER_DIR, "gowasm.h")) as f:
        return f.read()


def _cdef(header: str) -> str:
    """The header without comments and preprocessor lines cffi cannot parse."""
    text = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            if re.match(r"#define \w+ -?\d+\s*$", line):
                lines.append(line)
            continue
        lines.append(line)
    return "\n".join(lines)


def _wrappers(header: str) -> Tuple[str, str]:
    decls, defs = [], []
    for result, name, params in _FAST_CALL.findall(header):
        args = [p.strip() for p in params.split(",") if p.strip()]
        names = [a.split()[1] for a in args]
        sig = ", ".join(["uint64_t func"] + args)
        wrapper = name.replace("gowasm_", "gwpy_", 1)
        decls.append("%s %s(%s);" % (result, wrapper, sig))
        failed = {"int32_t": "GWPY_ERR_FORKED", "int64_t": "GOWASM_FAILED_INT", "double": "NAN"}[result]
        defs.append(
            "static %s %s(%s) { if (gwpy_forked) { gwpy_fail_forked(); return %s; } return %s(&gwpy_err, %s); }"
            % (result, wrapper, sig, failed, name, ", ".join(["func"] + names))
        )
    return "\n".join(decls), "\n".join(defs)


def build_ffi(library_dir: Optional[str] = None) -> FFI:
    header = _header()
    decls, defs = _wrappers(header)
    ffi = FFI()
    ffi.cdef(_cdef(header))
    ffi.cdef(decls)
    ffi.cdef(
        """
        int32_t gwpy_take_error(gowasm_error *out);
        int64_t gwpy_memory_len(uint64_t module);
        int gwpy_watch_fork(void);
        #define GWPY_MAP_NORESERVE ...
        #define GWPY_ERR_FORKED ...
        extern "Python" int32_t gwpy_write(uint64_t stream, uint8_t *data, size_t len);
        extern "Python" int64_t gwpy_read(uint64_t stream, uint8_t *buf, size_t len);
        extern "Python" int32_t gwpy_host_call(uint64_t fn_id, uint64_t module, uint64_t *stack, uint64_t sig);
        """
    )
    source = (
        """
#include "gowasm.h"
#if defined(_MSC_VER)
#define GWPY_TLS __declspec(thread)
#elif defined(__GNUC__) && !defined(__APPLE__)
/* initial-exec: a direct %fs access instead of a __tls_get_addr call per
   fast call; 16 bytes fit easily in glibc's static TLS reserve for dlopen. */
#define GWPY_TLS _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define GWPY_TLS _Thread_local
#endif
/* The error of this thread's last failed fast call. */
static GWPY_TLS gowasm_error gwpy_err;

/* For the anonymous mappings that memory views start as (_memory.py):
   Python's mmap module only has MAP_NORESERVE from 3.13. */
#if !defined(_WIN32)
#include <sys/mman.h>
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif
#define GWPY_MAP_NORESERVE MAP_NORESERVE

/* Go's runtime does not survive fork(): its threads are gone in the child,
   which hangs at its first garbage collection. A child forked after gowasm
   loaded must not enter the library at all: gwpy_forked, set by a
   pthread_atfork handler, makes every wrapper fail at once with
   GWPY_ERR_FORKED (not a library code: the library is never called), which
   Python raises as gowasm.ForkError. */
#include <math.h>
#if !defined(_WIN32)
#include <pthread.h>
#endif
#define GWPY_ERR_FORKED 100
static volatile int gwpy_forked;
static void gwpy_on_fork_child(void) { gwpy_forked = 1; }
static int gwpy_watch_fork(void) {
#if defined(_WIN32)
    return 0;
#else
    return pthread_atfork(NULL, NULL, gwpy_on_fork_child);
#endif
}
static void gwpy_fail_forked(void) {
    gwpy_err.code = GWPY_ERR_FORKED;
    gwpy_err.exit_code = 0;
    gwpy_err.message = NULL;
}

static int64_t gwpy_memory_len(uint64_t module) {
    if (gwpy_forked) { gwpy_fail_forked(); return -1; }
    return gowasm_memory_len(&gwpy_err, module);
}

static int32_t gwpy_take_error(gowasm_error *out) {
    *out = gwpy_err;
    gwpy_err.code = 0;
    gwpy_err.exit_code = 0;
    gwpy_err.message = NULL;
    return out->code;
}

/* The int64_t parameters (those of the fast calls only) take what Python's
   own int parameters take: an int, or an object with __index__. cffi's
   converter also takes anything with __int__ except float, so
   m.add(numpy.float32(1.5), 1) would truncate silently where m.add(1.5, 1)
   is a TypeError; Decimal and Fraction likewise. Refusing here sends them
   to the wrappers' slow path, which explains the TypeError; an exact int
   costs one pointer compare, as in cffi, so the fast path pays nothing.
   The cffi-generated wrappers below this preamble use the macro. */
static long long gwpy_to_c_i64(PyObject *o) {
    PyObject *index;
    long long value;
    if (Py_TYPE(o) == &PyLong_Type)
        return PyLong_AsLongLong(o);
    if (!PyIndex_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "an integer is required");
        return -1;
    }
    index = PyNumber_Index(o);
    if (index == NULL)
        return -1;
    value = PyLong_AsLongLong(index);
    Py_DECREF(index);
    return value;
}
#ifndef _cffi_to_c_i64
#error "cffi no longer defines _cffi_to_c_i64: update gwpy_to_c_i64 in _ffi_build.py"
#endif
#undef _cffi_to_c_i64
#define _cffi_to_c_i64 gwpy_to_c_i64
"""
        + defs
        + "\n"
    )
    kwargs: Dict[str, Any] = {"include_dirs": [HEADER_DIR]}
    if library_dir:
        kwargs.update(libraries=["gowasm"], library_dirs=[library_dir])
    ffi.set_source("gowasm._gowasm_cffi", source, py_limited_api=True, **kwargs)
    return ffi


ffibuilder = build_ffi(os.environ.get("GOWASM_LIBRARY_DIR"))

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)

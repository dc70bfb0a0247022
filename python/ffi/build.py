"""cffi build script for gowasm's extension module ``gowasm._gowasm_cffi``.

It is run by setup.py (``cffi_modules``) after libgowasm has been built from
gohost/; see RATIONALE.md for why API mode. The cdef is derived from
gohost/gowasm.h so that the C ABI is declared in exactly one place, and
declares the Python callbacks (``extern "Python"``): ``gwpy_write`` and
``gwpy_read`` for guest stdio, ``gwpy_host_call`` for host functions.

The extension's own C is gowasm_cffi.c, beside this file (what it defines
is listed at its top); this script puts into it what it generates from the
header, a wrapper and a METH_FASTCALL builtin per fast call. Both files stay
out of the wheel: they build it, from a checkout or the sdist (MANIFEST.in).
"""

import os
import re
from typing import Any, Dict, Optional, Tuple

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HEADER_DIR = os.path.join(ROOT, "gohost")

# Where gowasm_cffi.c takes the code generated here.
_WRAPPERS = "/* build.py puts here the fast-call wrappers (gwpy_call_*), generated from gowasm.h. */"
_FAST_CALLS = "/* build.py puts here the METH_FASTCALL builtins of the fast calls (gwpy_fast_call_*), generated from gowasm.h. */"
_FAST_TABLE = "/* build.py puts here their entries in the table (gwpy_fast_*). */"

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


_FAST_ARG = {
    "int64_t": "    {c} a{i} = gwpy_to_c_i64(args[{j}]);\n    if (a{i} == -1 && PyErr_Occurred()) return NULL;\n",
    "double": "    {c} a{i} = PyFloat_AsDouble(args[{j}]);\n    if (a{i} == -1.0 && PyErr_Occurred()) return NULL;\n",
}
_FAST_RESULT = {"int32_t": "PyLong_FromLong((long)r)", "int64_t": "PyLong_FromLongLong((long long)r)",
                "double": "PyFloat_FromDouble(r)"}


def _fast_builtins(header: str) -> Tuple[str, str]:
    """The fast calls again as METH_FASTCALL builtins (gowasm._fastcall,
    made by gwpy_install_fast), and their entries in its method table:
    cffi's own wrappers are METH_VARARGS, which costs a tuple and
    PyArg_UnpackTuple per call (RATIONALE.md, "The call path"). Same
    arguments, conversions, GIL release and results as the cffi wrappers."""
    funcs, table = [], []
    for result, name, params in _FAST_CALL.findall(header):
        args = [p.strip() for p in params.split(",") if p.strip()]
        short = name.replace("gowasm_", "", 1)
        failed = {"int32_t": "GWPY_ERR_FORKED", "int64_t": "GOWASM_FAILED_INT", "double": "NAN"}[result]
        body = ["static PyObject *gwpy_fast_%s(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {" % short,
                "    uint64_t h;",
                "    %s r;" % result,
                "    (void)self;",
                "    if (nargs != %d) { PyErr_SetString(PyExc_TypeError, \"%s takes %d arguments\"); return NULL; }"
                % (len(args) + 1, short, len(args) + 1),
                "    h = PyLong_AsUnsignedLongLong(args[0]);",
                "    if (h == (uint64_t)-1 && PyErr_Occurred()) return NULL;"]
        names = []
        for i, a in enumerate(args):
            ctype = a.split()[0]
            body.append(_FAST_ARG[ctype].format(c=ctype, i=i, j=i + 1).rstrip("\n"))
            names.append("a%d" % i)
        body += ["    if (gwpy_forked) { gwpy_fail_forked(); r = %s; }" % failed,
                 "    else {",
                 "        Py_BEGIN_ALLOW_THREADS",
                 "        r = %s(%s);" % (name, ", ".join(["&gwpy_err", "h"] + names)),
                 "        Py_END_ALLOW_THREADS",
                 "    }",
                 "    return %s;" % _FAST_RESULT[result],
                 "}"]
        funcs.append("\n".join(body))
        table.append('    {"%s", (PyCFunction)(void (*)(void))gwpy_fast_%s, METH_FASTCALL, NULL},' % (short, short))
    return "\n".join(funcs), "\n".join(table)


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
        int gwpy_install_fast(void);
        int32_t gwpy_host_call_c(uint64_t fn_id, uint64_t module, uint64_t *stack, uint64_t sig);
        int32_t gwpy_signals(void);
        #define GWPY_MAP_NORESERVE ...
        #define GWPY_ERR_FORKED ...
        extern "Python" int32_t gwpy_write(uint64_t stream, uint8_t *data, size_t len);
        extern "Python" int64_t gwpy_read(uint64_t stream, uint8_t *buf, size_t len);
        extern "Python" int32_t gwpy_host_call(uint64_t fn_id, uint64_t module, uint64_t *stack, uint64_t sig);
        """
    )
    funcs, table = _fast_builtins(header)
    with open(os.path.join(HERE, "gowasm_cffi.c"), encoding="utf-8") as f:
        source = f.read()
    for mark, code in ((_WRAPPERS, defs), (_FAST_CALLS, funcs), (_FAST_TABLE, table)):
        if source.count(mark) != 1:
            raise RuntimeError("gowasm_cffi.c must have this line once: " + mark)
        source = source.replace(mark, code)
    kwargs: Dict[str, Any] = {"include_dirs": [HEADER_DIR]}
    if library_dir:
        kwargs.update(libraries=["gowasm"], library_dirs=[library_dir])
    ffi.set_source("gowasm._gowasm_cffi", source, py_limited_api=True, **kwargs)
    return ffi


ffibuilder = build_ffi(os.environ.get("GOWASM_LIBRARY_DIR"))

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)

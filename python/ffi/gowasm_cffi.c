/* The C of gowasm's cffi extension, gowasm._gowasm_cffi: cffi compiles it
   with the wrappers it generates for the cdef (python/ffi/build.py reads
   this file, puts the code it generates from gohost/gowasm.h at the three
   "build.py puts here" comments, and gives it to cffi's set_source).

   Besides the ABI, the extension defines, in C:
   - a thread-local gowasm_error and, for every fast-call entry point, a
     wrapper gwpy_call_* that passes it: Python calls the wrapper with
     scalars only (the cheapest cffi call) and, when the result is the
     failure sentinel, takes the error with gwpy_take_error on the same
     thread;
   - the fast calls again as METH_FASTCALL builtins (module
     gowasm._fastcall), with typed calls, map and the host-call table;
   - gwpy_host_call_c, the C host callback for plain numeric host
     functions, and gwpy_signals, which runs Python's signal handlers while
     a guest call polls;
   - gwpy_to_c_i64, which replaces cffi's converter of int64_t arguments so
     that integer parameters refuse what has __int__ but no __index__;
   - GWPY_MAP_NORESERVE, the platform's MAP_NORESERVE (or 0);
   - gwpy_watch_fork: in a child forked after gowasm loaded, every wrapper
     fails at once with GWPY_ERR_FORKED instead of entering Go. */

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
#include <string.h>
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
#error "cffi no longer defines _cffi_to_c_i64: update gwpy_to_c_i64 in python/ffi/gowasm_cffi.c"
#endif
#undef _cffi_to_c_i64
#define _cffi_to_c_i64 gwpy_to_c_i64
/* build.py puts here the fast-call wrappers (gwpy_call_*), generated from gowasm.h. */

#ifndef METH_FASTCALL
#define METH_FASTCALL 0x0080 /* stable ABI since 3.10; cffi's Py_LIMITED_API hides the name */
#endif
/* build.py puts here the METH_FASTCALL builtins of the fast calls (gwpy_fast_call_*), generated from gowasm.h. */
static PyObject *gwpy_fast_call_typed(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
static PyObject *gwpy_fast_call_map_lists(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
static PyObject *gwpy_fast_call_typed_map(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
static PyObject *gwpy_fast_set_host_table(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
static PyMethodDef gwpy_fast_defs[] = {
/* build.py puts here their entries in the table (gwpy_fast_*). */
    {"call_typed", (PyCFunction)(void (*)(void))gwpy_fast_call_typed, METH_FASTCALL, NULL},
    {"call_map_lists", (PyCFunction)(void (*)(void))gwpy_fast_call_map_lists, METH_FASTCALL, NULL},
    {"call_typed_map", (PyCFunction)(void (*)(void))gwpy_fast_call_typed_map, METH_FASTCALL, NULL},
    {"set_host_table", (PyCFunction)(void (*)(void))gwpy_fast_set_host_table, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL}
};
/* call_typed(func, allocator, shape, kind, m0, m1, i0, i1): a typed call
   in one crossing (gowasm_call_typed; _typed_fast.py). m0, m1: str (passed
   as its UTF-8), bytes, or None; i0, i1: the integer params. Returns, for
   kind 0, the integer result (or 0); kind 1, the result as bytes; kind 2,
   as str (or as bytes if it is not UTF-8). On failure it returns GOWASM_FAILED_INT (an int
   whatever the kind), and the error is this thread's, as for fast calls.
   A result of up to GWPY_TYPED_BUF bytes is copied through the C stack. */
#define GWPY_TYPED_BUF 8192
/* In the stable ABI since 3.10, but cffi's Py_LIMITED_API (no version)
   hides the declaration: without it the pointer would be truncated to int. */
PyAPI_FUNC(const char *) PyUnicode_AsUTF8AndSize(PyObject *unicode, Py_ssize_t *size);
/* The first four arguments of call_typed and call_typed_map: the export's
   and the allocator's handles, the shape and the result kind. */
static int gwpy_typed_head(PyObject *const *args, uint64_t *func, uint64_t *allocator, long *shape, long *kind) {
    *func = PyLong_AsUnsignedLongLong(args[0]);
    if (*func == (uint64_t)-1 && PyErr_Occurred()) return -1;
    *allocator = PyLong_AsUnsignedLongLong(args[1]);
    if (*allocator == (uint64_t)-1 && PyErr_Occurred()) return -1;
    *shape = PyLong_AsLong(args[2]);
    *kind = PyLong_AsLong(args[3]);
    if ((*shape == -1 || *kind == -1) && PyErr_Occurred()) return -1;
    return 0;
}
static int gwpy_typed_arg(PyObject *o, const char **p, Py_ssize_t *n) {
    if (o == Py_None) { *p = NULL; *n = 0; return 0; }
    if (PyUnicode_Check(o)) { *p = PyUnicode_AsUTF8AndSize(o, n); return *p == NULL ? -1 : 0; }
    if (PyBytes_Check(o)) { char *b; if (PyBytes_AsStringAndSize(o, &b, n) < 0) return -1; *p = b; return 0; }
    PyErr_SetString(PyExc_TypeError, "call_typed takes str, bytes or None");
    return -1;
}
static PyObject *gwpy_fast_call_typed(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    char buf[GWPY_TYPED_BUF];
    uint64_t func, allocator;
    long shape, kind;
    const char *p0, *p1;
    Py_ssize_t n0, n1;
    int64_t i0, i1, r;
    uint8_t *big = NULL;
    PyObject *res;
    (void)self;
    if (nargs != 8) { PyErr_SetString(PyExc_TypeError, "call_typed takes 8 arguments"); return NULL; }
    if (gwpy_typed_head(args, &func, &allocator, &shape, &kind) < 0) return NULL;
    if (gwpy_typed_arg(args[4], &p0, &n0) < 0 || gwpy_typed_arg(args[5], &p1, &n1) < 0) return NULL;
    i0 = gwpy_to_c_i64(args[6]);
    if (i0 == -1 && PyErr_Occurred()) return NULL;
    i1 = gwpy_to_c_i64(args[7]);
    if (i1 == -1 && PyErr_Occurred()) return NULL;
    if (gwpy_forked) { gwpy_fail_forked(); return PyLong_FromLongLong(GOWASM_FAILED_INT); }
    Py_BEGIN_ALLOW_THREADS
    r = gowasm_call_typed(&gwpy_err, func, allocator, (uint32_t)shape, (uint8_t *)p0, (size_t)n0,
                          (uint8_t *)p1, (size_t)n1, i0, i1, (uint8_t *)buf, sizeof buf, &big);
    Py_END_ALLOW_THREADS
    if (kind == 0 || (r == GOWASM_FAILED_INT && gwpy_err.code != 0))
        return PyLong_FromLongLong(r);
    res = NULL;
    if (kind == 2) {
        res = PyUnicode_DecodeUTF8(big ? (char *)big : buf, (Py_ssize_t)r, NULL);
        if (res == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
            PyErr_Clear(); /* not UTF-8: the bytes go back, for an error naming the function */
    }
    if (res == NULL && !PyErr_Occurred())
        res = PyBytes_FromStringAndSize(big ? (char *)big : buf, (Py_ssize_t)r);
    if (big) gowasm_free(big);
    return res;
}

/* call_map_lists(func, kinds, result, col0, ...): gowasm_call_map over
   lists or tuples, converted in C with the GIL held (a list of ints costs
   a quarter of what array.array or cffi would: RATIONALE.md). kinds:
   bytes, one per column, b'i' (int64: an int or __index__) or b'f' (double);
   result: 0 none, 1 i32, 2 i64, 3 f32, 4 f64. Returns the results as a
   list (None for none); on a failed call the index of the failing element
   (an int), the error being this thread's as for fast calls; raises
   TypeError/OverflowError for an element it cannot convert (the caller's
   slow path then names it). */
static PyObject *gwpy_fast_call_map_lists(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    uint64_t func;
    const char *kinds;
    Py_ssize_t ncols, n = -1, i, j;
    long result;
    void *cols[8] = {0};
    uint32_t ckinds[8];
    void *out = NULL;
    size_t done = 0;
    int32_t rc;
    PyObject *res = NULL;
    (void)self;
    if (nargs < 4 || nargs > 3 + 8) { PyErr_SetString(PyExc_TypeError, "call_map_lists: 1 to 8 columns"); return NULL; }
    ncols = nargs - 3;
    func = PyLong_AsUnsignedLongLong(args[0]);
    if (func == (uint64_t)-1 && PyErr_Occurred()) return NULL;
    if (!PyBytes_Check(args[1]) || PyBytes_Size(args[1]) != ncols) { PyErr_SetString(PyExc_TypeError, "call_map_lists: kinds"); return NULL; }
    kinds = PyBytes_AsString(args[1]);
    result = PyLong_AsLong(args[2]);
    if (result == -1 && PyErr_Occurred()) return NULL;
    for (j = 0; j < ncols; j++) {
        PyObject *c = args[3 + j];
        Py_ssize_t len;
        if (!PyList_Check(c) && !PyTuple_Check(c)) { PyErr_SetString(PyExc_TypeError, "call_map_lists: lists or tuples"); goto done; }
        len = PyList_Check(c) ? PyList_Size(c) : PyTuple_Size(c);
        if (n < 0) n = len;
        if (len != n) { PyErr_SetString(PyExc_ValueError, "call_map_lists: different lengths"); goto done; }
    }
    for (j = 0; j < ncols; j++) {
        PyObject *c = args[3 + j];
        int is_list = PyList_Check(c);
        cols[j] = malloc(n ? (size_t)n * 8 : 8);
        if (cols[j] == NULL) { PyErr_NoMemory(); goto done; }
        ckinds[j] = kinds[j] == 'f' ? (8 | GOWASM_ELEM_FLOAT) : (8 | GOWASM_ELEM_SIGNED);
        for (i = 0; i < n; i++) {
            /* borrowed; lists may change only while we hold the GIL: we do */
            PyObject *o = is_list ? PyList_GetItem(c, i) : PyTuple_GetItem(c, i);
            if (kinds[j] == 'f') {
                double d = PyFloat_AsDouble(o);
                if (d == -1.0 && PyErr_Occurred()) goto done;
                ((double *)cols[j])[i] = d;
            } else {
                long long v = gwpy_to_c_i64(o);
                if (v == -1 && PyErr_Occurred()) goto done;
                ((int64_t *)cols[j])[i] = (int64_t)v;
            }
        }
    }
    if (n < 0) n = 0;
    if (result != 0) {
        out = malloc(n ? (size_t)n * 8 : 8);
        if (out == NULL) { PyErr_NoMemory(); goto done; }
    }
    if (gwpy_forked) { gwpy_fail_forked(); res = PyLong_FromLong(0); goto done; }
    Py_BEGIN_ALLOW_THREADS
    rc = gowasm_call_map(&gwpy_err, func, cols, ckinds, (size_t)ncols, (size_t)n, out, &done);
    Py_END_ALLOW_THREADS
    if (rc != 0) { res = PyLong_FromSize_t(done); goto done; }
    if (result == 0) { Py_INCREF(Py_None); res = Py_None; goto done; }
    res = PyList_New(n);
    if (res == NULL) goto done;
    for (i = 0; i < n; i++) {
        PyObject *v;
        switch (result) {
        case 1: v = PyLong_FromLong((long)((int32_t *)out)[i]); break;
        case 2: v = PyLong_FromLongLong((long long)((int64_t *)out)[i]); break;
        case 3: v = PyFloat_FromDouble((double)((float *)out)[i]); break;
        default: v = PyFloat_FromDouble(((double *)out)[i]); break;
        }
        if (v == NULL) { Py_DECREF(res); res = NULL; goto done; }
        PyList_SetItem(res, i, v);
    }
done:
    for (j = 0; j < 8; j++) free(cols[j]);
    free(out);
    return res;
}

/* call_typed_map(func, allocator, shape, kind, m0, m1, i0, i1): a typed
   call mapped over columns in one crossing (gowasm_call_typed_map;
   _typed_fast.py). m0, m1: lists or tuples of str (passed as their UTF-8)
   or bytes, or None; i0, i1: lists or tuples of ints, or None; all of one
   length. kind as for call_typed (2: results must be UTF-8), ORed with
   256 (512) when m0 (m1) holds bytes, else str: exactly those types, as
   the single call's fast path takes them. Returns the
   results as a list; on a failed call the index of the failing element (an
   int; the error is this thread's, as for fast calls); for a str result
   that is not UTF-8, (index, its bytes). Raises TypeError/OverflowError
   for an element it cannot pass (before any guest code ran: the caller's
   slow path names it), ValueError for different lengths. */
static PyObject *gwpy_fast_call_typed_map(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    uint64_t func, allocator;
    long shape, kind;
    PyObject *cols[4] = {0}; /* tuples: they keep the values alive while the GIL is released */
    gowasm_span *spans[2] = {0};
    int64_t *ints[2] = {0};
    int64_t *results = NULL;
    uint8_t *data = NULL;
    size_t done = 0, off;
    Py_ssize_t n = -1, i, j;
    int32_t rc;
    PyObject *res = NULL;
    (void)self;
    if (nargs != 8) { PyErr_SetString(PyExc_TypeError, "call_typed_map takes 8 arguments"); return NULL; }
    if (gwpy_typed_head(args, &func, &allocator, &shape, &kind) < 0) return NULL;
    for (j = 0; j < 4; j++) {
        PyObject *c = args[4 + j];
        if (c == Py_None) continue;
        if (!PyList_Check(c) && !PyTuple_Check(c)) { PyErr_SetString(PyExc_TypeError, "call_typed_map: lists or tuples"); goto done; }
        cols[j] = PySequence_Tuple(c);
        if (cols[j] == NULL) goto done;
        if (n < 0) n = PyTuple_Size(cols[j]);
        if (PyTuple_Size(cols[j]) != n) { PyErr_SetString(PyExc_ValueError, "call_typed_map: different lengths"); goto done; }
    }
    if (n < 0) n = 0;
    for (j = 0; j < 4; j++) {
        if (cols[j] == NULL) continue;
        if (j < 2) {
            spans[j] = malloc(n ? (size_t)n * sizeof(gowasm_span) : sizeof(gowasm_span));
            if (spans[j] == NULL) { PyErr_NoMemory(); goto done; }
        } else {
            ints[j - 2] = malloc(n ? (size_t)n * 8 : 8);
            if (ints[j - 2] == NULL) { PyErr_NoMemory(); goto done; }
        }
        for (i = 0; i < n; i++) {
            PyObject *o = PyTuple_GetItem(cols[j], i); /* borrowed, kept by the tuple */
            if (j < 2) {
                const char *p;
                Py_ssize_t len;
                if (!((kind >> (8 + j)) & 1) && PyUnicode_CheckExact(o)) {
                    p = PyUnicode_AsUTF8AndSize(o, &len);
                    if (p == NULL) goto done;
                } else if (((kind >> (8 + j)) & 1) && PyBytes_CheckExact(o)) {
                    char *b;
                    if (PyBytes_AsStringAndSize(o, &b, &len) < 0) goto done;
                    p = b;
                } else {
                    PyErr_SetString(PyExc_TypeError, "call_typed_map: a value of another type");
                    goto done;
                }
                spans[j][i].ptr = (const uint8_t *)p;
                spans[j][i].len = (size_t)len;
            } else {
                long long v = gwpy_to_c_i64(o);
                if (v == -1 && PyErr_Occurred()) goto done;
                ints[j - 2][i] = (int64_t)v;
            }
        }
    }
    results = malloc(n ? (size_t)n * 8 : 8);
    if (results == NULL) { PyErr_NoMemory(); goto done; }
    if (gwpy_forked) { gwpy_fail_forked(); res = PyLong_FromLong(0); goto done; }
    Py_BEGIN_ALLOW_THREADS
    rc = gowasm_call_typed_map(&gwpy_err, func, allocator, (uint32_t)shape, (kind & 255) == 2 ? GOWASM_MAP_UTF8 : 0,
                               (size_t)n, spans[0], spans[1], ints[0], ints[1], results, &data, &done);
    Py_END_ALLOW_THREADS
    if (rc == GOWASM_MAP_NOT_UTF8) {
        off = 0;
        for (i = 0; i < (Py_ssize_t)done; i++) off += (size_t)results[i];
        {
            PyObject *b = PyBytes_FromStringAndSize(data ? (char *)data + off : "", (Py_ssize_t)results[done]);
            if (b != NULL) res = Py_BuildValue("(nN)", (Py_ssize_t)done, b);
        }
        goto done;
    }
    if (rc != 0) { res = PyLong_FromSize_t(done); goto done; }
    res = PyList_New(n);
    if (res == NULL) goto done;
    off = 0;
    for (i = 0; i < n; i++) {
        PyObject *v;
        if ((kind & 255) == 0) v = PyLong_FromLongLong((long long)results[i]);
        else if ((kind & 255) == 2) v = PyUnicode_DecodeUTF8(data ? (char *)data + off : "", (Py_ssize_t)results[i], NULL);
        else v = PyBytes_FromStringAndSize(data ? (char *)data + off : "", (Py_ssize_t)results[i]);
        if ((kind & 255) != 0) off += (size_t)results[i];
        if (v == NULL) { Py_DECREF(res); res = NULL; goto done; }
        PyList_SetItem(res, i, v);
    }
done:
    for (j = 0; j < 4; j++) Py_XDECREF(cols[j]);
    for (j = 0; j < 2; j++) { free(spans[j]); free(ints[j]); }
    free(results);
    if (data) gowasm_free(data);
    return res;
}

/* Host calls in C (_host.py): the callback the library calls for a Python
   host function. For a plain numeric function (no Caller, no str/bytes/bool
   annotations, at most one result) it converts the arguments, calls the
   function and writes its result here, with no Python frame of gowasm's
   and no cffi callback; anything else goes to cffi's gwpy_host_call.
   gwpy_hosts: {fid: (weakref to the HostFunction, encode)}; encode(r)
   returns a result's raw value or raises as the Python path would (for what
   C does not convert itself). gwpy_keep(e) keeps an exception for the
   guest call to re-raise. Both are set by set_host_table. */
static int32_t gwpy_host_call(uint64_t fn_id, uint64_t module, uint64_t *stack, uint64_t sig);
static PyObject *gwpy_hosts, *gwpy_keep;
PyAPI_FUNC(PyObject *) PyWeakref_GetObject(PyObject *ref);

static PyObject *gwpy_host_arg(uint64_t v, int type) {
    switch (type) {
    case 0: return PyLong_FromLong((long)(int32_t)(uint32_t)v);
    case 1: return PyLong_FromLongLong((long long)(int64_t)v);
    case 2: { uint32_t b = (uint32_t)v; float f; memcpy(&f, &b, 4); return PyFloat_FromDouble((double)f); }
    default: { double d; memcpy(&d, &v, 8); return PyFloat_FromDouble(d); }
    }
}

/* The result's raw value, or -1 with the value left for encode(). */
static int gwpy_host_result(PyObject *r, int type, uint64_t *out) {
    if (type <= 1) {
        long long x;
        int overflow = 0;
        if (!PyLong_Check(r)) return -1;
        x = PyLong_AsLongLongAndOverflow(r, &overflow);
        if (overflow || (x == -1 && PyErr_Occurred())) { PyErr_Clear(); return -1; }
        if (type == 0 && (x < -2147483648LL || x > 4294967295LL)) return -1;
        *out = type == 0 ? (uint64_t)(uint32_t)x : (uint64_t)x;
        return 0;
    }
    if (PyFloat_CheckExact(r)) {
        double d = PyFloat_AsDouble(r);
        if (type == 2) {
            float f; uint32_t b;
            if (d != d || (d <= 3.4028234663852886e38 && d >= -3.4028234663852886e38)) f = (float)d;
            else return -1; /* overflow to infinity: the Python path's rule */
            memcpy(&b, &f, 4);
            *out = b;
        } else {
            memcpy(out, &d, 8);
        }
        return 0;
    }
    return -1;
}

static int32_t gwpy_keep_error(void) {
    PyObject *t, *v, *tb, *kept;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL && v != NULL) PyException_SetTraceback(v, tb);
    kept = v != NULL ? PyObject_CallFunctionObjArgs(gwpy_keep, v, NULL) : NULL;
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
    if (kept == NULL) { PyErr_Clear(); return GOWASM_HOST_NOT_RUN; }
    Py_DECREF(kept);
    return 1;
}

static int32_t gwpy_host_call_c(uint64_t fid, uint64_t module, uint64_t *stack, uint64_t sig) {
    PyGILState_STATE st;
    PyObject *key, *entry, *hf, *fn, *args, *r;
    int np = (int)(sig & 31), nr = (int)((sig >> 5) & 31), i;
    int32_t rc = -1;
    st = PyGILState_Ensure();
    entry = NULL;
    if (gwpy_hosts != NULL && nr <= 1) {
        key = PyLong_FromUnsignedLongLong(fid);
        if (key != NULL) entry = PyDict_GetItem(gwpy_hosts, key); /* borrowed */
        Py_XDECREF(key);
    }
    hf = entry != NULL ? PyWeakref_GetObject(PyTuple_GetItem(entry, 0)) : NULL;
    if (hf == NULL || hf == Py_None) { /* not a plain function, or gone: the Python path */
        PyErr_Clear();
        rc = gwpy_host_call(fid, module, stack, sig);
        PyGILState_Release(st);
        return rc;
    }
    fn = PyObject_GetAttrString(hf, "fn");
    args = fn != NULL ? PyTuple_New(np) : NULL;
    for (i = 0; args != NULL && i < np; i++) {
        PyObject *a = gwpy_host_arg(stack[i], (int)((sig >> (10 + 2 * i)) & 3));
        if (a == NULL) { Py_CLEAR(args); break; }
        PyTuple_SetItem(args, i, a);
    }
    r = args != NULL ? PyObject_CallObject(fn, args) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(fn);
    if (r == NULL) {
        rc = gwpy_keep_error();
    } else if (nr == 0 && r == Py_None) {
        rc = 0;
    } else if (nr == 1 && gwpy_host_result(r, (int)((sig >> (10 + 2 * np)) & 3), &stack[0]) == 0) {
        rc = 0;
    } else { /* encode() converts what C does not, or raises the Python path's error */
        PyObject *enc = PyObject_CallFunctionObjArgs(PyTuple_GetItem(entry, 1), r, NULL);
        if (enc == NULL) {
            rc = gwpy_keep_error();
        } else {
            if (nr == 1) stack[0] = PyLong_AsUnsignedLongLongMask(enc);
            Py_DECREF(enc);
            rc = PyErr_Occurred() ? gwpy_keep_error() : 0;
        }
    }
    Py_XDECREF(r);
    PyGILState_Release(st);
    return rc;
}

/* The signals callback (gowasm_signals_fn): runs Python's handlers of the
   signals that arrived, as the interpreter would between two bytecodes; a
   handler's exception (KeyboardInterrupt from the default one) is kept for
   the guest call to raise. Installed with the host table (it needs
   gwpy_keep). */
static int32_t gwpy_signals(void) {
    int32_t rc = 0;
    PyGILState_STATE st = PyGILState_Ensure();
    if (PyErr_CheckSignals() < 0) rc = gwpy_keep_error();
    PyGILState_Release(st);
    return rc;
}

/* set_host_table(table, keep): installs gwpy_hosts and gwpy_keep (once). */
static PyObject *gwpy_fast_set_host_table(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2 || !PyDict_Check(args[0])) { PyErr_SetString(PyExc_TypeError, "set_host_table(dict, keep)"); return NULL; }
    Py_INCREF(args[0]); Py_INCREF(args[1]);
    Py_XDECREF(gwpy_hosts); Py_XDECREF(gwpy_keep);
    gwpy_hosts = args[0]; gwpy_keep = args[1];
    Py_INCREF(Py_None);
    return Py_None;
}

/* Puts the builtins in module gowasm._fastcall (made here, in sys.modules).
   Called through cffi, which released the GIL: take it back. */
static int gwpy_install_fast(void) {
    int rc = 0;
    PyMethodDef *def;
    PyGILState_STATE st = PyGILState_Ensure();
    PyObject *mod = PyImport_AddModule("gowasm._fastcall");
    if (mod == NULL) rc = -1;
    for (def = gwpy_fast_defs; rc == 0 && def->ml_name != NULL; def++) {
        PyObject *f = PyCFunction_NewEx(def, NULL, NULL);
        if (f == NULL || PyModule_AddObject(mod, def->ml_name, f) < 0) {
            Py_XDECREF(f);
            rc = -1;
        }
    }
    if (rc != 0) PyErr_Clear();
    PyGILState_Release(st);
    return rc;
}

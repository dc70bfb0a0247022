/*
 * gowasm.h: the C ABI of libgowasm, a WebAssembly host built on wazero.
 *
 * Shape (see RATIONALE.md for the numbers behind it):
 *  - Objects are named by uint64_t handles, never pointers: C may not keep Go
 *    pointers after a call returns. Handles are small integers (cheap to pass
 *    from Python), and never reused: a closed module's handles answer
 *    GOWASM_ERR_CLOSED, before gowasm_module_free and after it, for the
 *    life of the process; a handle kept past its module's end never names
 *    another module.
 *  - Every function takes a gowasm_error* first. On failure it fills it in
 *    and returns the GOWASM_ERR_* code (control plane) or a sentinel (fast
 *    calls, below). err->message is malloc'ed: free it with gowasm_free.
 *  - Nothing Go-allocated is held by C after a call: strings handed out are
 *    C copies (free them with gowasm_free).
 *  - Configuration and descriptions cross as JSON, so options can be added
 *    without changing a signature.
 *  - Every function recovers Go panics into GOWASM_ERR_INTERNAL.
 *
 * Parameters are not const-qualified on purpose: cgo declares the exported
 * functions without const, and including this header in the cgo build makes
 * the compiler check that the two sets of declarations agree.
 */
#ifndef GOWASM_H
#define GOWASM_H

#include <stddef.h>
#include <stdint.h>

#define GOWASM_OK 0
#define GOWASM_ERR_COMPILE 1  /* not a valid module */
#define GOWASM_ERR_LINK 2     /* an import cannot be satisfied, or a stub was called */
#define GOWASM_ERR_TRAP 3     /* the guest trapped (unreachable, bounds, Go panic...) */
#define GOWASM_ERR_EXIT 4     /* the guest called proc_exit; see exit_code */
#define GOWASM_ERR_CLOSED 5   /* closed, or unusable after a trap or exit */
#define GOWASM_ERR_ARGUMENT 6 /* an argument is out of range / wrong arity */
#define GOWASM_ERR_USAGE 7    /* bad configuration or ABI misuse */
#define GOWASM_ERR_INTERNAL 8 /* a bug in gowasm (a recovered Go panic) */
#define GOWASM_ERR_HOST 9     /* a host callback failed */
#define GOWASM_ERR_DEADLOCK 10 /* a call from a host function would wait forever */
#define GOWASM_ERR_INTERRUPTED 11 /* Ctrl-C (SIGINT) stopped the call */
#define GOWASM_ERR_TIMEOUT 12     /* the call ran past its timeout and was stopped */
#define GOWASM_ERR_GUEST 13       /* the guest broke the typed convention (a pointer outside its memory) */
/* The codes after which a module cannot be called again, one bit each
   (1 << code): LINK, TRAP, EXIT, CLOSED, HOST, INTERRUPTED and TIMEOUT,
   that is GOWASM_ERR_CLOSED and the failures that close the module
   (errs.FatalCodes, checked by gohost/codes.go). */
#define GOWASM_FATAL_CODES 6716

typedef struct gowasm_error {
    int32_t code;      /* GOWASM_OK or a GOWASM_ERR_* code */
    uint32_t exit_code; /* for GOWASM_ERR_EXIT */
    char *message;     /* malloc'ed, NUL-terminated; free with gowasm_free */
} gowasm_error;

/* Receives guest output for a stream id given in the module configuration.
   Returns 0, or nonzero when the write failed: the guest call is then
   aborted and fails with GOWASM_ERR_HOST (the caller keeps its own error to
   report), as for a host function. */
typedef int32_t (*gowasm_write_fn)(uint64_t stream, uint8_t *data, size_t len);

/* Reads guest input for a stream id given in the module configuration into
   buf. Returns the number of bytes read, 0 at end of file, -1 on error,
   which aborts the guest call as a failed write does. */
typedef int64_t (*gowasm_read_fn)(uint64_t stream, uint8_t *buf, size_t len);

/* Calls host function fn_id (an id the caller gave in the module
   configuration's "host_functions") for the module with handle `module`.
   stack holds the import's parameters as raw wasm values and receives its
   results. sig encodes the import's signature: bits 0-4 count the params,
   5-9 the results, then 2 bits per type (0 i32, 1 i64, 2 f32, 3 f64),
   params first. Returns 0, or nonzero when the function failed: the guest
   call is then aborted and fails with GOWASM_ERR_HOST (the caller keeps its
   own error to report). The module's functions may be called re-entrantly
   from inside. */
typedef int32_t (*gowasm_host_call_fn)(uint64_t fn_id, uint64_t module,
                                       uint64_t *stack, uint64_t sig);

/* What a gowasm_host_call_fn returns when it could not run the function at
   all and keeps no error of its own (Python: the recursion limit was hit
   before the function started). Re-entrant host calls are also refused,
   without calling the callback, when nested so deep that this thread's
   stack would run out; both fail the guest call with GOWASM_ERR_HOST. */
#define GOWASM_HOST_NOT_RUN 2

/* Runs the embedder's handlers of the signals that arrived (Python:
   PyErr_CheckSignals), on the main thread (gowasm_interrupts) while a guest
   call of it polls after a SIGINT. Returns 0 to let the call go on, nonzero
   when a handler failed (raised): the call then stops and fails with
   GOWASM_ERR_INTERRUPTED, the caller keeping its own error to report. The
   module's functions may be called re-entrantly from inside. May be NULL:
   Ctrl-C then stops the call with GOWASM_ERR_INTERRUPTED. */
typedef int32_t (*gowasm_signals_fn)(void);

typedef struct gowasm_callbacks {
    gowasm_write_fn write;
    gowasm_read_fn read;
    gowasm_host_call_fn host_call;
    gowasm_signals_fn signals;
} gowasm_callbacks;

/* Installs the callbacks; call once before anything else. */
int32_t gowasm_init(gowasm_error *err, gowasm_callbacks *callbacks);

/* The largest module gowasm loads: 1 GiB (engine.MaxModuleSize, which
   gohost/codes.go checks against this). */
#define GOWASM_MAX_MODULE_SIZE 1073741824

/* The largest timeout, in seconds, a config or a call takes
   (engine.MaxTimeout, checked by gohost/codes.go). */
#define GOWASM_MAX_TIMEOUT 1000000000

/* Compiles, links and instantiates a module (running _initialize for
   reactors). config_json may be NULL; see gohost/internal/engine/config.go.
   A wasm_len above GOWASM_MAX_MODULE_SIZE is GOWASM_ERR_COMPILE. */
int32_t gowasm_module_new(gowasm_error *err, uint8_t *wasm, size_t wasm_len,
                          char *config_json, uint64_t *module_out);

/* Runs a module as a program (its _start; a reactor's _initialize), then
   frees it. *exit_code_out gets the code passed to proc_exit, else 0; a trap
   is an error (GOWASM_ERR_TRAP). */
int32_t gowasm_run(gowasm_error *err, uint8_t *wasm, size_t wasm_len,
                   char *config_json, uint32_t *exit_code_out);

/* Describes a module (kind, exports with function handles, imports) as JSON
   in *json_out, to be freed with gowasm_free. */
int32_t gowasm_module_info(gowasm_error *err, uint64_t module, char **json_out);

/* The kind of a module ("reactor", "command", "tinygo-js", "go-js" or
   "library": how it is initialised) from the functions it imports and
   exports, given as JSON: {"imports": [{"module": m, "name": n}, ...],
   "exports": [name, ...]}. These are gowasm's one set of kind rules, which
   gowasm_module_new applies too; a module need not be valid to be
   classified. *kind_out is to be freed with gowasm_free. */
int32_t gowasm_classify(gowasm_error *err, char *names_json, char **kind_out);

/* The directory gowasm keeps compiled code in when asked for `dir` (its one
   rule: the directory must be this user's and no one else's to change;
   else gowasm's own subdirectory gowasm-<uid> of it; else none), as JSON
   in *json_out, to be freed with gowasm_free: {"dir": d} ("" for none:
   compile in memory) and, when dir is not used and nothing took its
   place, "problem": a message saying why. Loading applies the same rule
   to its configuration's cache_dir; the answer is kept per process. */
int32_t gowasm_cache_dir(gowasm_error *err, char *dir, char **json_out);

/* Closes a module and returns at once: every later use fails with
   GOWASM_ERR_CLOSED. The runtime and the guest's memory are released now,
   or, while a call runs (a host function may block for ever), when that
   call unwinds: it fails with GOWASM_ERR_CLOSED at its next poll or when
   its host function returns. Never from inside a call to the module
   (GOWASM_ERR_USAGE). */
int32_t gowasm_module_close(gowasm_error *err, uint64_t module);

/* Closes the module if needed (without waiting either) and forgets its
   handles and those of its functions, which are never reused. */
int32_t gowasm_module_free(gowasm_error *err, uint64_t module);

/* The general call: stack holds the arguments as raw wasm values (i32 in the
   low 32 bits, floats as their IEEE bits) and receives the results. */
int32_t gowasm_call(gowasm_error *err, uint64_t func, uint64_t *stack,
                    size_t stack_len);

/*
 * Memory: the module's memory (its exported or imported one). Reads and
 * writes copy and are bounds-checked as a whole (GOWASM_ERR_ARGUMENT).
 */
/* The memory's size in bytes, or -1 with err filled. In the fast calls'
   style (a scalar in, a scalar out): typed calls check guest pointers
   against it on every call. */
int64_t gowasm_memory_len(gowasm_error *err, uint64_t module);

/* Grows the memory by delta pages of 64 KiB; *previous_pages_out gets the
   size before. Failing to grow is GOWASM_ERR_ARGUMENT. */
int32_t gowasm_memory_grow(gowasm_error *err, uint64_t module, uint32_t delta,
                           uint32_t *previous_pages_out);

int32_t gowasm_memory_read(gowasm_error *err, uint64_t module, uint64_t offset,
                           uint8_t *dst, size_t len);

int32_t gowasm_memory_write(gowasm_error *err, uint64_t module, uint64_t offset,
                            uint8_t *src, size_t len);

/* Zero-copy access (Linux, macOS): replaces the caller's mapping of len
   bytes at dst (page-aligned; the caller owns it and unmaps it) by a shared
   mapping of the memory's first len bytes, and sets *reserved_out to the
   memory's reserved size, which it never grows past. With dst NULL it only
   sets *reserved_out. The mapping stays valid after growth and after close,
   and holds no descriptor (on macOS the module keeps one per memory).
   GOWASM_ERR_USAGE: the memory cannot be mapped on this platform. */
int32_t gowasm_memory_map(gowasm_error *err, uint64_t module, uint8_t *dst,
                          uint64_t len, uint64_t *reserved_out);

/* Starts what stops guests from outside (once; later calls only change
   main_thread): a watcher thread that asks long-running calls to poll, so
   that timeouts, close() during a call and Go's garbage collector get
   through, and a SIGINT handler chained before the current one (it is
   chained again whenever someone replaces it). On Ctrl-C the call running
   on main_thread (a pthread_self value) runs the embedder's signal
   handlers at its next poll (the signals callback), and fails with
   GOWASM_ERR_INTERRUPTED only if one fails. */
int32_t gowasm_interrupts(gowasm_error *err, uint64_t main_thread);

/* gowasm_call with a timeout of its own, in seconds: 0 for none, negative
   for the module's ("timeout" in its configuration). A call past its
   timeout fails with GOWASM_ERR_TIMEOUT and leaves the module unusable. */
int32_t gowasm_call_timeout(gowasm_error *err, uint64_t func, uint64_t *stack,
                            size_t stack_len, double timeout);

/* Gives the calls this thread makes on module, from now until
   gowasm_timeout_pop with the same token (the caller's choice), a timeout
   of their own in seconds (0: none, even if the module has one), in place
   of the module's: for an export whose call is several guest calls (a
   typed call's allocator and export, a map's elements). Their deadline
   starts at the first guest call and covers them all. Nested in a host
   function, the calls stop at the earlier of it and the outer call's
   deadline. Pushes nest (the last one counts). A timeout other than 0 on
   a module without the checks that stop it (interruptible) is
   GOWASM_ERR_USAGE, as for gowasm_call_timeout; so is a negative, NaN or
   over-GOWASM_MAX_TIMEOUT one. */
int32_t gowasm_timeout_push(gowasm_error *err, uint64_t module, double timeout, uint64_t token);

/* Ends this thread's gowasm_timeout_push of token on module, if there is
   one (else does nothing: a caller unsure whether its push happened pops
   all the same). */
int32_t gowasm_timeout_pop(gowasm_error *err, uint64_t module, uint64_t token);

/* A typed call in one crossing (gowasm's convention for str, bytes and
   JSON values, python/gowasm/_typed.py): Go copies each memory value into
   guest memory from the guest's allocator, calls func with (ptr, len) for
   it, reads a packed ptr << 32 | len result, and frees what it allocated
   and the result. allocator is the malloc export's handle | the free
   export's handle << 32 (free takes (ptr) or (ptr, len)). shape: bits 0-3
   count the Python-level params (4 at most), then 2 bits each: 0 an integer
   (an i32 or i64 param; i0, i1 in order), 1 a memory value ((ptr, len);
   m0/n0, m1/n1 in order); bits 20-21 the result: 0 none, 1 an integer,
   2 a memory value. A memory result of at most out_cap bytes is copied to
   out; a longer one to a malloc'ed buffer in *big_out (free it with
   gowasm_free). Returns the integer result, or a memory result's length,
   or 0; GOWASM_FAILED_INT on failure, a hint as for the fast calls (check
   err->code). Integers out of range fail with GOWASM_ERR_ARGUMENT before
   any guest code runs; a guest pointer outside its memory fails with
   GOWASM_ERR_GUEST. Serialized with the module's other calls. */
int64_t gowasm_call_typed(gowasm_error *err, uint64_t func, uint64_t allocator, uint32_t shape,
                          uint8_t *m0, size_t n0, uint8_t *m1, size_t n1, int64_t i0, int64_t i1,
                          uint8_t *out, size_t out_cap, uint8_t **big_out);

/* Vectorised call: calls func n times inside this one call, with element i
   of each of the ncolumns columns as its arguments (one column per param,
   in order), and writes each result as element i of results: an int32_t,
   int64_t, float or double array by the result's wasm type (NULL if it has
   none; several results are GOWASM_ERR_USAGE). kinds[j] says how column j
   holds its elements: their size in bytes (1, 2, 4 or 8) ORed with
   GOWASM_ELEM_SIGNED for signed integers or GOWASM_ELEM_FLOAT for floats
   (4 or 8); or it is GOWASM_ELEM_RANGE: two int64_t (start, step), element
   i being start + i * step. An integer out of its param's range, or a float for an integer
   param, is GOWASM_ERR_ARGUMENT. *done_out gets how many calls completed:
   on failure, the index of the failing element. Serialized with the
   module's other calls (the lock is held for the whole batch); each element
   is a call of its own for timeouts. */
#define GOWASM_ELEM_SIGNED 16
#define GOWASM_ELEM_FLOAT 32
#define GOWASM_ELEM_RANGE 64
int32_t gowasm_call_map(gowasm_error *err, uint64_t func, void **columns, uint32_t *kinds,
                        size_t ncolumns, size_t n, void *results, size_t *done_out);

/* A typed call mapped over n elements in one crossing: gowasm_call_typed
   for element i of each column, in order, with the module's lock held for
   the batch (each element is a call of its own for timeouts). shape and
   allocator as for gowasm_call_typed; m0, m1: n memory values each (NULL
   when the shape has fewer), i0, i1: n integers each (likewise). Each
   result goes to results[i]: the integer result, or a memory result's
   length, its bytes appended to *data (malloc'ed by the library, set even
   on failure, NULL if nothing was written: free it with gowasm_free).
   flags: GOWASM_MAP_UTF8, memory results must be UTF-8: the first that is
   not stops the batch with GOWASM_MAP_NOT_UTF8 (its bytes the last in
   *data). Integers out of range fail with GOWASM_ERR_ARGUMENT before any
   guest code runs. Returns GOWASM_OK, GOWASM_MAP_NOT_UTF8 or an error
   code; *done_out gets how many elements completed: on failure, the index
   of the failing one. */
typedef struct gowasm_span {
    const uint8_t *ptr;
    size_t len;
} gowasm_span;
#define GOWASM_MAP_UTF8 1
#define GOWASM_MAP_NOT_UTF8 -2
int32_t gowasm_call_typed_map(gowasm_error *err, uint64_t func, uint64_t allocator, uint32_t shape,
                              uint32_t flags, size_t n, gowasm_span *m0, gowasm_span *m1,
                              int64_t *i0, int64_t *i1, int64_t *results, uint8_t **data,
                              size_t *done_out);

/* Counts live modules and functions (to check that nothing leaks). */
int32_t gowasm_live_handles(gowasm_error *err, uint64_t *modules_out,
                            uint64_t *funcs_out);

/* Frees memory handed out by this library. */
void gowasm_free(void *p);

/*
 * Fast calls: gowasm_call_<result>_<params>, one per signature shape.
 * Parameters: 'i' is int64_t (an i32 accepts -2^31..2^32-1), 'f' is double.
 * Result: 'v' returns a status like the control plane; 'i' returns the value
 * sign-extended to int64_t, or GOWASM_FAILED_INT on failure; 'f' returns the
 * value, or a NaN on failure. A sentinel is only a hint (a guest may return
 * it): err->code says whether the call failed. GOWASM_FAILED_INT is small on
 * purpose: CPython compares ints below 2**30 on a fast path.
 */
#define GOWASM_FAILED_INT -792353564

/* BEGIN GENERATED fast calls: go generate ./gohost */
/* The most parameters a fast call takes (Python reads it). */
#define GOWASM_MAX_FAST_PARAMS 4
int32_t gowasm_call_v(gowasm_error *err, uint64_t func);
int32_t gowasm_call_v_i(gowasm_error *err, uint64_t func, int64_t a0);
int32_t gowasm_call_v_f(gowasm_error *err, uint64_t func, double a0);
int32_t gowasm_call_v_ii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1);
int32_t gowasm_call_v_fi(gowasm_error *err, uint64_t func, double a0, int64_t a1);
int32_t gowasm_call_v_if(gowasm_error *err, uint64_t func, int64_t a0, double a1);
int32_t gowasm_call_v_ff(gowasm_error *err, uint64_t func, double a0, double a1);
int32_t gowasm_call_v_iii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2);
int32_t gowasm_call_v_fii(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2);
int32_t gowasm_call_v_ifi(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2);
int32_t gowasm_call_v_ffi(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2);
int32_t gowasm_call_v_iif(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2);
int32_t gowasm_call_v_fif(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2);
int32_t gowasm_call_v_iff(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2);
int32_t gowasm_call_v_fff(gowasm_error *err, uint64_t func, double a0, double a1, double a2);
int32_t gowasm_call_v_iiii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2, int64_t a3);
int32_t gowasm_call_v_fiii(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2, int64_t a3);
int32_t gowasm_call_v_ifii(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2, int64_t a3);
int32_t gowasm_call_v_ffii(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2, int64_t a3);
int32_t gowasm_call_v_iifi(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2, int64_t a3);
int32_t gowasm_call_v_fifi(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2, int64_t a3);
int32_t gowasm_call_v_iffi(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2, int64_t a3);
int32_t gowasm_call_v_fffi(gowasm_error *err, uint64_t func, double a0, double a1, double a2, int64_t a3);
int32_t gowasm_call_v_iiif(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2, double a3);
int32_t gowasm_call_v_fiif(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2, double a3);
int32_t gowasm_call_v_ifif(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2, double a3);
int32_t gowasm_call_v_ffif(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2, double a3);
int32_t gowasm_call_v_iiff(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2, double a3);
int32_t gowasm_call_v_fiff(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2, double a3);
int32_t gowasm_call_v_ifff(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2, double a3);
int32_t gowasm_call_v_ffff(gowasm_error *err, uint64_t func, double a0, double a1, double a2, double a3);
int64_t gowasm_call_i(gowasm_error *err, uint64_t func);
int64_t gowasm_call_i_i(gowasm_error *err, uint64_t func, int64_t a0);
int64_t gowasm_call_i_f(gowasm_error *err, uint64_t func, double a0);
int64_t gowasm_call_i_ii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1);
int64_t gowasm_call_i_fi(gowasm_error *err, uint64_t func, double a0, int64_t a1);
int64_t gowasm_call_i_if(gowasm_error *err, uint64_t func, int64_t a0, double a1);
int64_t gowasm_call_i_ff(gowasm_error *err, uint64_t func, double a0, double a1);
int64_t gowasm_call_i_iii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2);
int64_t gowasm_call_i_fii(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2);
int64_t gowasm_call_i_ifi(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2);
int64_t gowasm_call_i_ffi(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2);
int64_t gowasm_call_i_iif(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2);
int64_t gowasm_call_i_fif(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2);
int64_t gowasm_call_i_iff(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2);
int64_t gowasm_call_i_fff(gowasm_error *err, uint64_t func, double a0, double a1, double a2);
int64_t gowasm_call_i_iiii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2, int64_t a3);
int64_t gowasm_call_i_fiii(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2, int64_t a3);
int64_t gowasm_call_i_ifii(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2, int64_t a3);
int64_t gowasm_call_i_ffii(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2, int64_t a3);
int64_t gowasm_call_i_iifi(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2, int64_t a3);
int64_t gowasm_call_i_fifi(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2, int64_t a3);
int64_t gowasm_call_i_iffi(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2, int64_t a3);
int64_t gowasm_call_i_fffi(gowasm_error *err, uint64_t func, double a0, double a1, double a2, int64_t a3);
int64_t gowasm_call_i_iiif(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2, double a3);
int64_t gowasm_call_i_fiif(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2, double a3);
int64_t gowasm_call_i_ifif(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2, double a3);
int64_t gowasm_call_i_ffif(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2, double a3);
int64_t gowasm_call_i_iiff(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2, double a3);
int64_t gowasm_call_i_fiff(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2, double a3);
int64_t gowasm_call_i_ifff(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2, double a3);
int64_t gowasm_call_i_ffff(gowasm_error *err, uint64_t func, double a0, double a1, double a2, double a3);
double gowasm_call_f(gowasm_error *err, uint64_t func);
double gowasm_call_f_i(gowasm_error *err, uint64_t func, int64_t a0);
double gowasm_call_f_f(gowasm_error *err, uint64_t func, double a0);
double gowasm_call_f_ii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1);
double gowasm_call_f_fi(gowasm_error *err, uint64_t func, double a0, int64_t a1);
double gowasm_call_f_if(gowasm_error *err, uint64_t func, int64_t a0, double a1);
double gowasm_call_f_ff(gowasm_error *err, uint64_t func, double a0, double a1);
double gowasm_call_f_iii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2);
double gowasm_call_f_fii(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2);
double gowasm_call_f_ifi(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2);
double gowasm_call_f_ffi(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2);
double gowasm_call_f_iif(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2);
double gowasm_call_f_fif(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2);
double gowasm_call_f_iff(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2);
double gowasm_call_f_fff(gowasm_error *err, uint64_t func, double a0, double a1, double a2);
double gowasm_call_f_iiii(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2, int64_t a3);
double gowasm_call_f_fiii(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2, int64_t a3);
double gowasm_call_f_ifii(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2, int64_t a3);
double gowasm_call_f_ffii(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2, int64_t a3);
double gowasm_call_f_iifi(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2, int64_t a3);
double gowasm_call_f_fifi(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2, int64_t a3);
double gowasm_call_f_iffi(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2, int64_t a3);
double gowasm_call_f_fffi(gowasm_error *err, uint64_t func, double a0, double a1, double a2, int64_t a3);
double gowasm_call_f_iiif(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, int64_t a2, double a3);
double gowasm_call_f_fiif(gowasm_error *err, uint64_t func, double a0, int64_t a1, int64_t a2, double a3);
double gowasm_call_f_ifif(gowasm_error *err, uint64_t func, int64_t a0, double a1, int64_t a2, double a3);
double gowasm_call_f_ffif(gowasm_error *err, uint64_t func, double a0, double a1, int64_t a2, double a3);
double gowasm_call_f_iiff(gowasm_error *err, uint64_t func, int64_t a0, int64_t a1, double a2, double a3);
double gowasm_call_f_fiff(gowasm_error *err, uint64_t func, double a0, int64_t a1, double a2, double a3);
double gowasm_call_f_ifff(gowasm_error *err, uint64_t func, int64_t a0, double a1, double a2, double a3);
double gowasm_call_f_ffff(gowasm_error *err, uint64_t func, double a0, double a1, double a2, double a3);
/* END GENERATED fast calls */

#endif /* GOWASM_H */

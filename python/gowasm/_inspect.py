"""Reads a WebAssembly module's structure without running it: imports and
exports with their signatures, memories, the producers section, which kind of
module it is, which toolchain probably built it, and what to do about it.

The engine of ``gowasm inspect FILE``. Pure Python, standard library only.
Malformed input raises :class:`~gowasm.CompileError` with a one-line message
naming the problem and its byte offset; every length is checked against the
bytes that are left, so no input can make it crash, loop or allocate much.

>>> info = inspect_module(open("lol.wasm", "rb").read(), "lol.wasm")  # doctest: +SKIP
>>> print(format_text(info))                                           # doctest: +SKIP
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Dict, List, NoReturn, Optional, Tuple

from ._errors import CompileError

__all__ = [
    "inspect_module", "format_text", "to_json",
    "ModuleInfo", "ImportInfo", "ExportInfo", "MemoryInfo", "TableInfo", "GlobalInfo",
]

_VALUE_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}
_REF_TYPES = {0x70: "funcref", 0x6F: "externref"}
_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_SECTIONS = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
             7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag"}
# The order non-custom sections must come in (tag sits between memory and global).
_ORDER = {sid: rank for rank, sid in enumerate([1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11])}
_MAX_PAGES = 65536  # 4 GiB of 64 KiB pages

# What gowasm links in: WASI preview 1 under either module name, and the runtime
# imports of AssemblyScript and Emscripten (see gohost/internal/host/link.go).
_WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")
_WASI_FUNCTIONS = frozenset("""
args_get args_sizes_get environ_get environ_sizes_get clock_res_get clock_time_get fd_advise
fd_allocate fd_close fd_datasync fd_fdstat_get fd_fdstat_set_flags fd_fdstat_set_rights
fd_filestat_get fd_filestat_set_size fd_filestat_set_times fd_pread fd_prestat_get
fd_prestat_dir_name fd_pwrite fd_read fd_readdir fd_renumber fd_seek fd_sync fd_tell fd_write
path_create_directory path_filestat_get path_filestat_set_times path_link path_open
path_readlink path_remove_directory path_rename path_symlink path_unlink_file poll_oneoff
proc_exit proc_raise sched_yield random_get sock_accept sock_recv sock_send sock_shutdown
""".split())
# Go's wasip1 runtime imports exactly these, sched_yield first.
_GO_WASIP1_IMPORTS = frozenset("""sched_yield proc_exit args_get args_sizes_get clock_time_get
environ_get environ_sizes_get fd_write random_get poll_oneoff""".split())
# Exports that toolchains' runtimes add: not functions anyone wrote to be called.
_RUNTIME_EXPORTS = frozenset("""_start _initialize main malloc free calloc realloc posix_memalign
aligned_alloc malloc_usable_size stackSave stackRestore stackAlloc resume go_scheduler""".split())
_ZIG_ERROR_NAMES = (b"FileNotFound", b"SystemResources", b"AccessDenied", b"Unexpected")

_GO_COMMAND_ADVICE = (
    "this is a Go command module: functions are not exported; mark functions //go:wasmexport name "
    "and build with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (exported signatures must "
    "use int32/int64/uint32/uint64/float32/float64/bool, not int)")
# Go 1.26's plain `go build` keeps //go:wasmexport functions in a command,
# but only _start initializes Go's runtime: calling one first traps
# ("wasmexport function called before runtime initialization"). Module
# refuses such calls with this advice too.
GO_COMMAND_WITH_EXPORTS_ADVICE = (
    "this Go module was built as a command (go build without -buildmode=c-shared): its //go:wasmexport "
    "functions cannot be called, because only _start (main) initializes Go's runtime. Rebuild it with "
    "GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, or run it as a program with gowasm.run()")
_TINYGO_COMMAND_ADVICE = (
    "this is a TinyGo command module: functions are not exported; mark functions //export name "
    "(or //go:wasmexport name) with tinygo build -target=wasip1 -buildmode=c-shared")
_COMMAND_ADVICE = {
    "Rust": 'to call functions, build a library instead: crate-type = ["cdylib"] and '
            '#[no_mangle] pub extern "C" fn name',
    "C/C++ (clang)": "to call functions, export them with __attribute__((export_name(\"name\"))) and "
                     "link a reactor (-mexec-model=reactor) or a library (-Wl,--no-entry)",
    "Zig": "to call functions, declare them `export fn` and build with -fno-entry -rdynamic",
}


@dataclass(frozen=True)
class ImportInfo:
    """One import. ``params``/``results`` are set for funcs (and tags);
    ``min``/``max`` (pages for memories, elements for tables) and ``shared``
    for memories and tables; ``type`` is a global's value type or a table's
    element type, ``mutable`` whether a global is mutable."""

    module: str
    name: str
    kind: str  # "func", "table", "memory", "global" or "tag"
    params: Tuple[str, ...] = ()
    results: Tuple[str, ...] = ()
    min: Optional[int] = None
    max: Optional[int] = None
    shared: bool = False
    type: Optional[str] = None
    mutable: bool = False


@dataclass(frozen=True)
class ExportInfo:
    """One export, with what it refers to (``index`` in its kind's index
    space); the other fields as in :class:`ImportInfo`."""

    name: str
    kind: str
    index: int
    params: Tuple[str, ...] = ()
    results: Tuple[str, ...] = ()
    min: Optional[int] = None
    max: Optional[int] = None
    shared: bool = False
    type: Optional[str] = None
    mutable: bool = False


@dataclass(frozen=True)
class MemoryInfo:
    """A memory the module defines; limits in 64 KiB pages."""

    min: int
    max: Optional[int] = None
    shared: bool = False
    memory64: bool = False


@dataclass(frozen=True)
class TableInfo:
    """A table the module defines."""

    type: str
    min: int
    max: Optional[int] = None


@dataclass(frozen=True)
class GlobalInfo:
    """A global the module defines; ``init`` is its constant expression as text."""

    type: str
    mutable: bool
    init: str


@dataclass(frozen=True)
class ModuleInfo:
    """What :func:`inspect_module` found in a module."""

    name: str
    size: int
    kind: str  # "command", "reactor", "tinygo-js", "go-js" or "library"
    toolchain: str
    toolchain_evidence: str
    imports: List[ImportInfo]
    exports: List[ExportInfo]
    memories: List[MemoryInfo]
    tables: List[TableInfo]
    globals: List[GlobalInfo]
    functions: int  # functions the module defines (not counting imports)
    has_start_section: bool
    start_function: Optional[int]
    start_function_name: Optional[str]
    module_name: Optional[str]  # from the "name" custom section
    producers: Dict[str, List[Tuple[str, str]]]
    custom_sections: List[Tuple[str, int]]  # (name, payload size) in file order
    advice: List[str]


def _show(text: str, limit: int = 0) -> str:
    """A name from the module as one line of text (escaped if need be, cut to ``limit``)."""
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text[:limit] + "..." if limit and len(text) > limit else text


class _Reader:
    """Reads the bytes data[pos:end], checking every length against what is
    left; errors name the module, what was being read and the byte offset."""

    def __init__(self, data: bytes, module: str, pos: int = 0, end: Optional[int] = None,
                 context: str = "module") -> None:
        self.data = data
        self.module = module
        self.pos = pos
        self.end = len(data) if end is None else end
        self.context = context

    def fail(self, problem: str, at: Optional[int] = None) -> NoReturn:
        raise CompileError("gowasm: %s: %s at byte offset %d" % (self.module, problem, self.pos if at is None else at))

    def left(self) -> int:
        return self.end - self.pos

    def need(self, n: int, what: str) -> None:
        if n > self.left():
            self.fail("truncated %s: %s needs %d bytes, %d left" % (self.context, what, n, self.left()))

    def byte(self, what: str) -> int:
        self.need(1, what)
        self.pos += 1
        return self.data[self.pos - 1]

    def raw(self, n: int, what: str) -> bytes:
        self.need(n, what)
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def uleb(self, what: str, bits: int = 32) -> int:
        """An unsigned LEB128 number of at most ``bits`` bits."""
        start, value, shift = self.pos, 0, 0
        for _ in range((bits + 6) // 7):
            b = self.byte(what)
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if value >> bits:
                    self.fail("LEB128 overflow in %s (more than %d bits)" % (what, bits), start)
                return value
        self.fail("LEB128 overflow in %s (longer than %d bytes)" % (what, (bits + 6) // 7), start)

    def sleb(self, what: str, bits: int) -> int:
        """A signed LEB128 number of at most ``bits`` bits."""
        start, value, shift = self.pos, 0, 0
        for _ in range((bits + 6) // 7):
            b = self.byte(what)
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value - (1 << shift) if b & 0x40 else value
        self.fail("LEB128 overflow in %s (longer than %d bytes)" % (what, (bits + 6) // 7), start)

    def count(self, what: str) -> int:
        """A vector length; each element takes at least one byte."""
        at = self.pos
        n = self.uleb(what + " count")
        if n > self.left():
            self.fail("%s count %d exceeds the %d bytes left in the %s" % (what, n, self.left(), self.context), at)
        return n

    def name(self, what: str) -> str:
        at = self.pos
        raw = self.raw(self.uleb(what + " length"), what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail("invalid UTF-8 in %s" % what, at)

    def sub(self, size: int, context: str) -> "_Reader":
        """A reader of the next ``size`` bytes, which this one skips."""
        self.need(size, context)
        self.pos += size
        return _Reader(self.data, self.module, self.pos - size, self.pos, context)

    def done(self) -> None:
        if self.pos != self.end:
            self.fail("%s has %d unexpected bytes at its end" % (self.context, self.end - self.pos))


@dataclass
class _Parsed:
    """What the section readers collect."""

    types: List[Tuple[Tuple[str, ...], Tuple[str, ...]]] = field(default_factory=list)
    imports: List[ImportInfo] = field(default_factory=list)
    func_types: List[int] = field(default_factory=list)  # type index per function, imports first
    defined_functions: int = 0
    code_bodies: Optional[int] = None
    tables: List[TableInfo] = field(default_factory=list)
    all_tables: List[TableInfo] = field(default_factory=list)
    memories: List[MemoryInfo] = field(default_factory=list)
    all_memories: List[MemoryInfo] = field(default_factory=list)
    globals: List[GlobalInfo] = field(default_factory=list)
    all_globals: List[GlobalInfo] = field(default_factory=list)
    tags: List[int] = field(default_factory=list)
    exports: List[ExportInfo] = field(default_factory=list)
    start: Optional[int] = None
    custom: List[Tuple[str, int]] = field(default_factory=list)
    producers: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)
    module_name: Optional[str] = None
    function_names: Dict[int, str] = field(default_factory=dict)
    data_range: Tuple[int, int] = (0, 0)
    notes: List[str] = field(default_factory=list)


def _value_type(r: _Reader, what: str) -> str:
    at = r.pos
    b = r.byte(what)
    if b not in _VALUE_TYPES:
        r.fail("unknown value type 0x%02x in %s" % (b, what), at)
    return _VALUE_TYPES[b]


def _ref_type(r: _Reader, what: str) -> str:
    at = r.pos
    b = r.byte(what)
    if b not in _REF_TYPES:
        r.fail("unknown reference type 0x%02x in %s" % (b, what), at)
    return _REF_TYPES[b]


def _limits(r: _Reader, what: str, memory: bool) -> MemoryInfo:
    """Limits (flags: bit 0 has max, bit 1 shared, bit 2 64-bit), checked as an engine would."""
    at = r.pos
    flags = r.byte(what + " limits flags")
    if flags > 7 or (not memory and flags & 2):
        r.fail("unknown %s limits flags 0x%02x" % (what, flags), at)
    bits = 64 if flags & 4 else 32
    lo = r.uleb(what + " minimum", bits)
    hi = r.uleb(what + " maximum", bits) if flags & 1 else None
    if hi is not None and lo > hi:
        r.fail("%s minimum %d is greater than its maximum %d" % (what, lo, hi), at)
    if memory and not flags & 4 and max(lo, hi or 0) > _MAX_PAGES:
        r.fail("%s of %d pages exceeds the 65536 pages (4 GiB) of a 32-bit memory" % (what, max(lo, hi or 0)), at)
    if flags & 2 and hi is None:
        r.fail("shared %s has no maximum" % what, at)
    return MemoryInfo(lo, hi, bool(flags & 2), bool(flags & 4))


def _func_type(r: _Reader, p: _Parsed, what: str) -> int:
    at = r.pos
    index = r.uleb(what + " type index")
    if index >= len(p.types):
        r.fail("%s uses type %d but the module has %d types" % (what, index, len(p.types)), at)
    return index


def _const_expr(r: _Reader, what: str) -> str:
    """A constant expression (ending with `end`), as text."""
    parts: List[str] = []
    while True:
        at = r.pos
        op = r.byte(what)
        if op == 0x0B:
            return "; ".join(parts)
        if op == 0x41:
            parts.append("i32.const %d" % r.sleb(what, 32))
        elif op == 0x42:
            parts.append("i64.const %d" % r.sleb(what, 64))
        elif op == 0x43:
            parts.append("f32.const %r" % struct.unpack("<f", r.raw(4, what))[0])
        elif op == 0x44:
            parts.append("f64.const %r" % struct.unpack("<d", r.raw(8, what))[0])
        elif op == 0x23:
            parts.append("global.get %d" % r.uleb(what))
        elif op == 0xD0:
            parts.append("ref.null %s" % _ref_type(r, what).replace("ref", ""))
        elif op == 0xD2:
            parts.append("ref.func %d" % r.uleb(what))
        elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):
            parts.append({0x6A: "i32.add", 0x6B: "i32.sub", 0x6C: "i32.mul",
                          0x7C: "i64.add", 0x7D: "i64.sub", 0x7E: "i64.mul"}[op])
        elif op == 0xFD:
            sub = r.uleb(what)
            if sub != 12:
                r.fail("unsupported instruction 0xfd %d in %s" % (sub, what), at)
            parts.append("v128.const 0x%s" % r.raw(16, what)[::-1].hex())
        else:
            r.fail("unsupported instruction 0x%02x in %s" % (op, what), at)


def _type_section(r: _Reader, p: _Parsed) -> None:
    for i in range(r.count("type")):
        at = r.pos
        form = r.byte("type form")
        if form != 0x60:
            r.fail("unsupported type form 0x%02x for type %d (only function types are supported)" % (form, i), at)
        params = tuple(_value_type(r, "parameter type") for _ in range(r.count("parameter")))
        results = tuple(_value_type(r, "result type") for _ in range(r.count("result")))
        p.types.append((params, results))


def _import_section(r: _Reader, p: _Parsed) -> None:
    for _ in range(r.count("import")):
        module = r.name("import module name")
        name = r.name("import name")
        at = r.pos
        kind = r.byte("import kind")
        what = "import %s.%s" % (_show(module, 40), _show(name, 40))
        if kind in (0, 4):
            if kind == 4 and r.byte("tag attribute") != 0:
                r.fail("unknown tag attribute in %s" % what, r.pos - 1)
            index = _func_type(r, p, what)
            (p.func_types if kind == 0 else p.tags).append(index)
            params, results = p.types[index]
            p.imports.append(ImportInfo(module, name, _KINDS[kind], params, results))
        elif kind == 1:
            elem = _ref_type(r, what)
            lim = _limits(r, "table", memory=False)
            p.all_tables.append(TableInfo(elem, lim.min, lim.max))
            p.imports.append(ImportInfo(module, name, "table", min=lim.min, max=lim.max, type=elem))
        elif kind == 2:
            lim = _limits(r, "memory", memory=True)
            p.all_memories.append(lim)
            p.imports.append(ImportInfo(module, name, "memory", min=lim.min, max=lim.max, shared=lim.shared))
            if lim.memory64:
                p.notes.append("imports a 64-bit memory %s.%s, which wazero does not support"
                               % (_show(module), _show(name)))
        elif kind == 3:
            vt = _value_type(r, what)
            mut = r.byte("global mutability")
            if mut > 1:
                r.fail("unknown global mutability 0x%02x in %s" % (mut, what), r.pos - 1)
            p.all_globals.append(GlobalInfo(vt, bool(mut), "imported"))
            p.imports.append(ImportInfo(module, name, "global", type=vt, mutable=bool(mut)))
        else:
            r.fail("unknown import kind 0x%02x for %s" % (kind, what), at)


def _function_section(r: _Reader, p: _Parsed) -> None:
    n = r.count("function")
    for _ in range(n):
        p.func_types.append(_func_type(r, p, "function %d" % len(p.func_types)))
    p.defined_functions = n


def _table_section(r: _Reader, p: _Parsed) -> None:
    for _ in range(r.count("table")):
        elem = _ref_type(r, "table element type")
        lim = _limits(r, "table", memory=False)
        p.tables.append(TableInfo(elem, lim.min, lim.max))
    p.all_tables.extend(p.tables)


def _memory_section(r: _Reader, p: _Parsed) -> None:
    for _ in range(r.count("memory")):
        p.memories.append(_limits(r, "memory", memory=True))
    p.all_memories.extend(p.memories)


def _tag_section(r: _Reader, p: _Parsed) -> None:
    for i in range(r.count("tag")):
        if r.byte("tag attribute") != 0:
            r.fail("unknown attribute of tag %d" % i, r.pos - 1)
        p.tags.append(_func_type(r, p, "tag %d" % i))


def _global_section(r: _Reader, p: _Parsed) -> None:
    for i in range(r.count("global")):
        vt = _value_type(r, "global type")
        mut = r.byte("global mutability")
        if mut > 1:
            r.fail("unknown global mutability 0x%02x" % mut, r.pos - 1)
        p.globals.append(GlobalInfo(vt, bool(mut), _const_expr(r, "global %d initializer" % i)))
    p.all_globals.extend(p.globals)


def _export_section(r: _Reader, p: _Parsed) -> None:
    seen = set()
    spaces: Dict[int, int] = {0: len(p.func_types), 1: len(p.all_tables), 2: len(p.all_memories),
                              3: len(p.all_globals), 4: len(p.tags)}
    for _ in range(r.count("export")):
        at = r.pos
        name = r.name("export name")
        if name in seen:
            r.fail("duplicate export name %r" % _show(name, 40), at)
        seen.add(name)
        kat = r.pos
        kind = r.byte("export kind")
        if kind not in _KINDS:
            r.fail("unknown export kind 0x%02x for export %r" % (kind, _show(name, 40)), kat)
        iat = r.pos
        index = r.uleb("export index")
        if index >= spaces[kind]:
            r.fail("export %r refers to %s %d but the module has %d"
                   % (_show(name, 40), _KINDS[kind], index, spaces[kind]), iat)
        if kind in (0, 4):
            params, results = p.types[(p.func_types if kind == 0 else p.tags)[index]]
            p.exports.append(ExportInfo(name, _KINDS[kind], index, params, results))
        elif kind == 1:
            t = p.all_tables[index]
            p.exports.append(ExportInfo(name, "table", index, min=t.min, max=t.max, type=t.type))
        elif kind == 2:
            m = p.all_memories[index]
            p.exports.append(ExportInfo(name, "memory", index, min=m.min, max=m.max, shared=m.shared))
        else:
            g = p.all_globals[index]
            p.exports.append(ExportInfo(name, "global", index, type=g.type, mutable=g.mutable))


def _start_section(r: _Reader, p: _Parsed) -> None:
    at = r.pos
    index = r.uleb("start function index")
    if index >= len(p.func_types):
        r.fail("start function %d does not exist (the module has %d functions)" % (index, len(p.func_types)), at)
    p.start = index


def _code_section(r: _Reader, p: _Parsed) -> None:
    """Only counts the function bodies, skipping each by its size."""
    n = r.count("function body")
    for i in range(n):
        r.sub(r.uleb("function body size"), "body of function %d" % i)
    p.code_bodies = n


def _name_section(r: _Reader, p: _Parsed) -> None:
    """The "name" custom section: module name and function names."""
    while r.left():
        sid = r.byte("name subsection id")
        sub = r.sub(r.uleb("name subsection size"), "name subsection %d" % sid)
        if sid == 0:
            p.module_name = sub.name("module name")
        elif sid == 1:
            for _ in range(sub.count("function name")):
                index = sub.uleb("function index")
                p.function_names[index] = sub.name("function name")


def _producers_section(r: _Reader, p: _Parsed) -> None:
    """The "producers" custom section: field -> [(name, version)]."""
    for _ in range(r.count("producers field")):
        key = r.name("producers field name")
        p.producers[key] = [(r.name("producer name"), r.name("producer version"))
                            for _ in range(r.count("producer"))]


def _custom_section(r: _Reader, p: _Parsed) -> None:
    name = r.name("custom section name")
    p.custom.append((name, r.left()))
    reader = {"name": _name_section, "producers": _producers_section}.get(name)
    if reader is not None:
        r.context = "%r custom section" % name  # name is "name" or "producers"
        try:
            reader(r, p)
            r.done()
        except CompileError as e:
            # Engines ignore malformed custom sections; say so, but load on.
            problem = str(e)[len("gowasm: %s: " % r.module):]
            if name == "name":
                p.module_name, p.function_names = None, {}
            else:
                p.producers = {}
            p.notes.append("the %r custom section is malformed and was ignored (%s)" % (name, problem))
    r.pos = r.end


def _data_section(r: _Reader, p: _Parsed) -> None:
    """Only remembers where the data is, to look for toolchain telltales."""
    r.count("data segment")
    p.data_range = (r.pos, r.end)
    r.pos = r.end


_SECTION_READERS = {0: _custom_section, 1: _type_section, 2: _import_section, 3: _function_section,
                    4: _table_section, 5: _memory_section, 6: _global_section, 7: _export_section,
                    8: _start_section, 10: _code_section, 11: _data_section, 13: _tag_section}


def _parse(data: bytes, name: str) -> _Parsed:
    r = _Reader(data, name, context="module header")
    if len(data) < 8 and b"\0asm".startswith(data[:4]):
        r.fail("not a WebAssembly module: only %d bytes, a module starts with 8 (magic and version)" % len(data), 0)
    magic = data[:4]
    if magic != b"\0asm":
        r.fail("not a WebAssembly module: bad magic %s (expected 00 61 73 6d)" % (magic.hex(" ") or "(empty)"), 0)
    r.pos = 4
    version = int.from_bytes(r.raw(4, "version"), "little")
    if version != 1:
        r.fail("unsupported binary version %d (expected 1%s)" % (
            version, "; this looks like a component, not a core module" if version & 0xFFFF == 0xD else ""), 4)
    p = _Parsed()
    last = -1
    while r.left():
        r.context = "module"
        at = r.pos
        sid = r.byte("section id")
        if sid not in _SECTIONS:
            r.fail("unknown section id %d" % sid, at)
        title = "%s section" % _SECTIONS[sid]
        size_at = r.pos
        size = r.uleb(title + " size")
        if size > r.left():
            r.fail("truncated %s: its size is %d bytes but %d are left" % (title, size, r.left()), size_at)
        if sid:
            if _ORDER[sid] <= last:
                r.fail("%s %s" % (title, "is repeated" if _ORDER[sid] == last else "is out of order"), at)
            last = _ORDER[sid]
        sub = r.sub(size, title)
        reader = _SECTION_READERS.get(sid)
        if reader is not None:
            reader(sub, p)
            sub.done()
    if (p.code_bodies or 0) != p.defined_functions:
        r.fail("the function section declares %d functions but the code section has %d bodies"
               % (p.defined_functions, p.code_bodies or 0))
    return p


def _kind(p: _Parsed) -> str:
    """How the module is driven; the same rules as gowasm's loader (kind.go)."""
    for i in p.imports:
        if i.kind == "func" and (i.module == "gojs" or (
                i.module == "go" and i.name.startswith(("runtime.", "syscall/js.")))):
            return "go-js"
    funcs = {e.name for e in p.exports if e.kind == "func"}
    if "_initialize" in funcs:
        return "reactor"
    if "_start" in funcs and ({"resume", "go_scheduler"} & funcs):
        return "tinygo-js"
    if "_start" in funcs:
        return "command"
    return "library"


def _producer(p: _Parsed, key: str, name: str, exact: bool = False) -> Optional[str]:
    """'key name version' of the first producers entry named ``name``
    (or, unless ``exact``, whose name contains it), ignoring case."""
    for n, v in p.producers.get(key, ()):
        if name.lower() == n.lower() or (not exact and name.lower() in n.lower()):
            return ("%s %s %s" % (key, n, v.split(" (")[0])).strip()
    return None


def _guess_language(p: _Parsed, data: bytes) -> Tuple[str, str]:
    """The toolchain that built the code, and why we think so."""
    funcs = {(i.module, i.name): i for i in p.imports if i.kind == "func"}
    exports = {e.name for e in p.exports if e.kind == "func"}
    lo, hi = p.data_range
    customs = {n for n, _ in p.custom}

    tinygo = _producer(p, "processed-by", "TinyGo")
    if tinygo:
        return "TinyGo", "producers section: %s" % tinygo
    go = _producer(p, "language", "Go", exact=True) or _producer(p, "processed-by", "Go cmd/compile")
    if go:
        return "Go", "producers section: %s" % go
    if "go:buildid" in customs:
        return "Go", "has a go:buildid custom section"
    if any(m == "gojs" for m, _ in funcs):
        return "Go", "imports Go's GOOS=js runtime from module gojs"
    wasi = [n for m, n in funcs if m == "wasi_snapshot_preview1"]
    if wasi and wasi[0] == "sched_yield" and _GO_WASIP1_IMPORTS <= set(wasi):
        return "Go", "imports the WASI functions of Go's wasip1 runtime (sched_yield, poll_oneoff, ...) in its order"
    emscripten = sorted(n for m, n in funcs if m == "env" and n.startswith("emscripten_"))
    if emscripten:
        return "Emscripten", "imports env.%s" % emscripten[0]
    if {"stackSave", "stackRestore"} <= exports:
        return "Emscripten", "exports stackSave and stackRestore"
    abort = funcs.get(("env", "abort"))
    if abort and abort.params == ("i32",) * 4 and not abort.results:
        return "AssemblyScript", "imports env.abort(i32, i32, i32, i32), AssemblyScript's runtime abort"
    if any(n.startswith("~lib/") for n in p.function_names.values()):
        return "AssemblyScript", "function names from AssemblyScript's standard library (~lib/...)"
    if data.find("~lib/".encode("utf-16-le"), lo, hi) >= 0:
        return "AssemblyScript", "data holds UTF-16 paths of AssemblyScript's standard library (~lib/...)"
    if "_start" in exports and {"resume", "go_scheduler"} & exports:
        both = " and ".join(sorted({"resume", "go_scheduler"} & exports))
        return "TinyGo", "exports _start with %s (TinyGo -target wasm)" % both
    js = sorted(n for m, n in funcs if m == "env" and n.startswith(("syscall/js.", "runtime.")))
    if js:
        return "TinyGo", "imports env.%s (TinyGo's JavaScript host ABI)" % js[0]
    if any(n.startswith("asyncify_") for n in exports) and {"malloc", "free", "calloc", "realloc"} <= exports:
        return "TinyGo", "exports asyncify_* with malloc, free, calloc and realloc (TinyGo's runtime)"
    rust = _producer(p, "processed-by", "rustc", exact=True) or _producer(p, "language", "Rust", exact=True)
    if rust:
        return "Rust", "producers section: %s" % rust
    if data.find(b"/rustc/", lo, hi) >= 0:
        return "Rust", "data holds /rustc/... paths of Rust standard library panic messages"
    clang = _producer(p, "processed-by", "clang")
    if clang:
        lang = ", ".join(n for n, _ in p.producers.get("language", ()))
        how = " (zig cc)" if any("zig" in v.lower() for _, v in p.producers["processed-by"]) else ""
        return "C/C++ (clang)", "producers section: %s%s%s" % ("language %s, " % lang if lang else "", clang, how)
    if data.find(b"{s}", lo, hi) >= 0:
        return "Zig", "data holds Zig std.fmt placeholders ({s})"
    if all(data.find(b"\0" + n + b"\0", lo, hi) >= 0 for n in _ZIG_ERROR_NAMES):
        return "Zig", "data holds Zig standard library error names (FileNotFound, SystemResources, ...)"
    globals_ = {e.name for e in p.exports if e.kind == "global"}
    if {"__heap_base", "__data_end"} & globals_ or "__wasm_call_ctors" in exports:
        return "unknown", "no producers section; exports %s, so linked by LLVM's wasm-ld (Rust, C or Zig)" % (
            "__wasm_call_ctors" if "__wasm_call_ctors" in exports else "__heap_base/__data_end")
    return "unknown", "no producers section and no telltale imports or exports (hand-written WAT?)"


def _guess_toolchain(p: _Parsed, data: bytes) -> Tuple[str, str, str]:
    """(toolchain, evidence, language toolchain): Extism plugins are named as such."""
    language, why = _guess_language(p, data)
    if any(i.module.startswith("extism:host/") for i in p.imports):
        evidence = "imports from extism:host/env (the Extism kernel)"
        if language != "unknown":
            evidence += "; built with %s (%s)" % (language, why)
        return "Extism plugin", evidence, language
    return language, why, language


def _provided(i: ImportInfo, env_provider: Optional[str]) -> bool:
    """Whether gowasm links this import in (gohost/internal/host/link.go)."""
    if i.kind == "memory":
        return True
    if i.kind != "func":
        return False
    if i.module in _WASI_MODULES:
        return i.name in _WASI_FUNCTIONS
    if i.module == "env" and env_provider == "assemblyscript":
        return i.name in ("abort", "trace", "seed")
    if i.module == "env" and env_provider == "emscripten":
        return i.name == "emscripten_notify_memory_growth" or i.name.startswith("invoke_")
    return False


def _env_provider(imports: List[ImportInfo]) -> Optional[str]:
    """Which toolchain runtime gowasm would provide module "env" as."""
    env = [i for i in imports if i.module == "env" and i.kind == "func"]
    if any(i.name == "abort" and len(i.params) == 4 and not i.results for i in env):
        return "assemblyscript"
    if any(i.name == "emscripten_notify_memory_growth" or i.name.startswith("invoke_") for i in env):
        return "emscripten"
    return None


def _names(items: List[str], limit: int = 6) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return "%s, ... (%d in all)" % (", ".join(items[:limit]), len(items))


def _advice(p: _Parsed, kind: str, toolchain: str, language: str) -> List[str]:
    """What to do, for the problems that matter when loading it with gowasm."""
    advice = list(p.notes)
    funcs = [e.name for e in p.exports if e.kind == "func"]
    callable_ = [n for n in funcs if n not in _RUNTIME_EXPORTS and not n.startswith(("__", "asyncify_"))]
    js_imports = [i for i in p.imports if i.name.startswith("syscall/js.")]
    if kind == "go-js":
        advice.append("built with GOOS=js for a JavaScript host (Go's wasm_exec.js), so loading it fails with "
                      "LinkError: rebuild with GOOS=wasip1 GOARCH=wasm, exporting functions with "
                      "//go:wasmexport name and -buildmode=c-shared")
    elif kind == "tinygo-js" and js_imports:
        advice.append("built with TinyGo -target wasm using syscall/js: it needs a JavaScript host "
                      "(TinyGo's wasm_exec.js); gowasm runs _start when loading it and any syscall/js call raises "
                      "LinkError; rebuild with tinygo build -target=wasip1 -buildmode=c-shared and //export name "
                      "(or //go:wasmexport name)")
    elif kind == "tinygo-js":
        advice.append("TinyGo -target wasm module: gowasm runs _start first (as wasm_exec.js does), "
                      "then its exports can be called")
    if toolchain == "Extism plugin":
        advice.append("this is an Extism plugin: it needs the Extism kernel (module extism:host/env) and the "
                      "Extism calling convention; run it with an Extism SDK")
    elif kind == "command" and not callable_ and language == "Go":
        advice.append(_GO_COMMAND_ADVICE)
    elif kind == "command" and language == "Go":
        advice.append(GO_COMMAND_WITH_EXPORTS_ADVICE)
    elif kind == "command" and not callable_ and language == "TinyGo":
        advice.append(_TINYGO_COMMAND_ADVICE)
    elif kind == "command" and not callable_:
        how = "; " + _COMMAND_ADVICE[language] if language in _COMMAND_ADVICE else ""
        advice.append("this is a WASI command: its only entry point is _start (its main), so there is nothing "
                      "to call; run it as a program" + how)
    elif kind == "reactor" and not callable_:
        advice.append("this reactor exports no functions to call besides _initialize"
                      + ("; mark functions //go:wasmexport name" if language in ("Go", "TinyGo") else ""))
    elif kind == "library" and not funcs:
        advice.append("exports no functions: there is nothing to call")
    if kind != "go-js":
        env_provider = _env_provider(p.imports)
        missing = [i for i in p.imports if i.kind == "func" and not _provided(i, env_provider)]
        if missing:
            advice.append("imports %s nothing provides; calls to them will raise LinkError "
                          "(pass strict_imports=True to fail at load)"
                          % _names(["%s.%s" % (_show(i.module), _show(i.name)) for i in missing]))
    others = [i for i in p.imports if i.kind in ("table", "global", "tag")]
    if others:
        advice.append("imports %s that gowasm cannot provide: loading it will fail with LinkError"
                      % _names(["%s %s.%s" % (i.kind, _show(i.module), _show(i.name)) for i in others]))
    if any(m.memory64 for m in p.memories):
        advice.append("defines a 64-bit memory, which wazero does not support")
    return advice


def inspect_module(data: bytes, name: str = "<bytes>") -> ModuleInfo:
    """Parses a WebAssembly binary and describes it.

    Raises :class:`~gowasm.CompileError` (one line: what is wrong, at which
    byte offset) when ``data`` is not a well-formed module.
    """
    data = bytes(data)
    name = " ".join(str(name).split()) or "<bytes>"  # messages stay on one line
    p = _parse(data, name)
    kind = _kind(p)
    toolchain, evidence, language = _guess_toolchain(p, data)
    return ModuleInfo(
        name=name,
        size=len(data),
        kind=kind,
        toolchain=toolchain,
        toolchain_evidence=evidence,
        imports=p.imports,
        exports=p.exports,
        memories=p.memories,
        tables=p.tables,
        globals=p.globals,
        functions=p.defined_functions,
        has_start_section=p.start is not None,
        start_function=p.start,
        start_function_name=p.function_names.get(p.start) if p.start is not None else None,
        module_name=p.module_name,
        producers=p.producers,
        custom_sections=p.custom,
        advice=_advice(p, kind, toolchain, language),
    )


def _signature(name: str, params: Tuple[str, ...], results: Tuple[str, ...]) -> str:
    """`name(p1, p2) -> r`; `-> None` without results, `-> (r1, r2)` with several."""
    from ._func import format_signature

    return format_signature(name, params, results)


def _limits_text(lo: Optional[int], hi: Optional[int], unit: str) -> str:
    return "%s..%s%s" % (lo, "" if hi is None else hi, unit)


def _describe(name: str, item: Any) -> str:
    """One import or export, e.g. `sum(i32, i32) -> i32` or `memory (memory, 17.. pages)`."""
    name = _show(name)
    if item.kind == "func":
        return _signature(name, item.params, item.results)
    if item.kind == "tag":
        return "%s (tag, %s)" % (name, _signature("", item.params, item.results).split(" ->")[0])
    if item.kind == "memory":
        shared = ", shared" if item.shared else ""
        return "%s (memory, %s%s)" % (name, _limits_text(item.min, item.max, " pages"), shared)
    if item.kind == "table":
        return "%s (table, %s, %s)" % (name, item.type, _limits_text(item.min, item.max, ""))
    return "%s (global, %s%s)" % (name, "mut " if item.mutable else "", item.type)


def format_text(info: ModuleInfo) -> str:
    """A readable report of :func:`inspect_module`'s findings."""
    lines = [
        "%s: %d bytes" % (info.name, info.size),
        "kind: %s" % info.kind,
        "toolchain: %s (%s)" % (info.toolchain, info.toolchain_evidence),
    ]
    if info.module_name:
        lines.append("module name: %s" % _show(info.module_name))
    lines.append("")
    lines.append("imports (%d):" % len(info.imports) if info.imports else "imports: none")
    modules: Dict[str, List[ImportInfo]] = {}
    for imp in info.imports:
        modules.setdefault(imp.module, []).append(imp)
    for module, imports in modules.items():
        lines.append("  %s (%d):" % (_show(module), len(imports)))
        lines.extend("    " + _describe("%s.%s" % (i.module, i.name), i) for i in imports)
    lines.append("exports (%d):" % len(info.exports) if info.exports else "exports: none")
    lines.extend("  " + _describe(e.name, e) for e in info.exports)
    lines.append("memories (%d defined):" % len(info.memories) if info.memories else "memories defined: none")
    for i, m in enumerate(info.memories):
        extra = "".join([", shared" if m.shared else "", ", 64-bit" if m.memory64 else ""])
        lines.append("  memory %d: %s%s" % (i, _limits_text(m.min, m.max, " pages"), extra))
    if info.tables:
        lines.append("tables (%d defined):" % len(info.tables))
        lines.extend("  table %d: %s, %s" % (i, t.type, _limits_text(t.min, t.max, ""))
                     for i, t in enumerate(info.tables))
    if info.globals:
        lines.append("globals (%d defined):" % len(info.globals))
        lines.extend("  global %d: %s%s = %s" % (i, "mut " if g.mutable else "", g.type, g.init)
                     for i, g in enumerate(info.globals))
    lines.append("functions defined: %d" % info.functions)
    if info.has_start_section:
        lines.append("start section: function %s%s (runs when the module loads)" % (
            info.start_function, " (%s)" % _show(info.start_function_name) if info.start_function_name else ""))
    else:
        lines.append("start section: none")
    if info.producers:
        lines.append("producers:")
        for key, values in info.producers.items():
            lines.append("  %s: %s" % (_show(key), ", ".join(_show("%s %s" % nv).strip() for nv in values)))
    if info.custom_sections:
        lines.append("custom sections: %s"
                     % ", ".join("%s (%d bytes)" % (_show(n), size) for n, size in info.custom_sections))
    if info.advice:
        lines.append("")
        lines.append("advice:")
        lines.extend("  - " + a for a in info.advice)
    return "\n".join(lines)


def to_json(info: ModuleInfo) -> Dict[str, Any]:
    """``info`` as JSON-serializable data, every key always present."""

    def item(x: Any, *keys: str) -> Dict[str, Any]:
        d = {k: getattr(x, k) for k in keys}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    fields = ("kind", "params", "results", "min", "max", "shared", "type", "mutable")
    return {
        "name": info.name,
        "size": info.size,
        "kind": info.kind,
        "toolchain": info.toolchain,
        "toolchain_evidence": info.toolchain_evidence,
        "imports": [item(i, "module", "name", *fields) for i in info.imports],
        "exports": [item(e, "name", "index", *fields) for e in info.exports],
        "memories": [item(m, "min", "max", "shared", "memory64") for m in info.memories],
        "tables": [item(t, "type", "min", "max") for t in info.tables],
        "globals": [item(g, "type", "mutable", "init") for g in info.globals],
        "functions": info.functions,
        "has_start_section": info.has_start_section,
        "start_function": info.start_function,
        "start_function_name": info.start_function_name,
        "module_name": info.module_name,
        "producers": {k: [list(nv) for nv in v] for k, v in info.producers.items()},
        "custom_sections": [{"name": n, "size": s} for n, s in info.custom_sections],
        "advice": list(info.advice),
    }

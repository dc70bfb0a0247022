"""The WebAssembly binary reader of ``gowasm inspect`` (:mod:`gowasm._tools.inspect`):
sections, imports and exports with their signatures, memories, tables,
globals, names and producers, read from a file without loading or compiling
it, so that it describes modules the engine rejects too. Imports and exports
are :class:`gowasm.Import` and :mod:`gowasm._description`'s ``Export``, the
types that describe a loaded module's.

Pure Python, standard library only. Malformed input raises
:class:`~gowasm.CompileError` with a one-line message naming the problem and
its byte offset; every length is checked against the bytes that are left, so
no input can make it crash, loop or allocate much. (The engine has its own
reader, for the facts wazero does not expose and for instrumentation:
gohost/internal/wasmbin/wasmbin.go. RATIONALE.md, "One description of a
module", says who describes what.)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, NoReturn, Optional, Tuple

from .._description import Export, Import
from .._errors import CompileError

_VALUE_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}
_REF_TYPES = {0x70: "funcref", 0x6F: "externref"}
_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_SECTIONS = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
             7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag"}
# The order non-custom sections must come in (tag sits between memory and global).
_ORDER = {sid: rank for rank, sid in enumerate([1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11])}
_MAX_PAGES = 65536  # 4 GiB of 64 KiB pages
# The loader's limits on a module's counts (gohost/internal/wasmbin/limits.go;
# README, "Hostile modules"), by what this reader counts: a module over one
# is refused here as there, before its entries are read, so this reader never
# holds more than the engine would (tests/test_inspect.py checks the copies).
LIMITS = {"type": 1_000_000, "parameter": 1_000, "result": 1_000, "import": 100_000, "function": 1_000_000,
          "table": 100, "memory": 100, "tag": 1_000_000, "global": 1_000_000, "export": 100_000,
          "function body": 1_000_000, "function name": 1_100_000}
# The inspector's own bounds on what the loader never reads: the producers
# section's fields and each field's entries (real ones have a few), the
# instructions of a constant expression shown as text, and the custom
# sections listed (three bytes each at least).
_MAX_PRODUCERS = 100
_MAX_EXPR_SHOWN = 20
_MAX_CUSTOM_LISTED = 1_000


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


def show(text: str, limit: int = 0) -> str:
    """A name from the module as one line of text (escaped if need be, cut to ``limit``)."""
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text[:limit] + "..." if limit and len(text) > limit else text


class _OverLimit(CompileError):
    """A count over the loader's limits: refused even in a custom section,
    which is otherwise ignored when malformed, as the loader refuses it."""


class Reader:
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

    def count(self, what: str, limit: Optional[int] = None) -> int:
        """A vector length; each element takes at least one byte, and there
        are at most ``limit`` (by default the loader's for ``what``)."""
        at = self.pos
        n = self.uleb(what + " count")
        limit = LIMITS.get(what) if limit is None else limit
        if limit is not None and n > limit:
            raise _OverLimit("gowasm: %s: %s count %d, over the limit of %d the loader sets (README, \"Hostile modules\")"
                             " at byte offset %d" % (self.module, what, n, limit, at))
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

    def sub(self, size: int, context: str) -> "Reader":
        """A reader of the next ``size`` bytes, which this one skips."""
        self.need(size, context)
        self.pos += size
        return Reader(self.data, self.module, self.pos - size, self.pos, context)

    def done(self) -> None:
        if self.pos != self.end:
            self.fail("%s has %d unexpected bytes at its end" % (self.context, self.end - self.pos))


@dataclass
class Parsed:
    """What the section readers collect."""

    types: List[Tuple[Tuple[str, ...], Tuple[str, ...]]] = field(default_factory=list)
    imports: List[Import] = field(default_factory=list)
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
    exports: List[Export] = field(default_factory=list)
    start: Optional[int] = None
    custom: List[Tuple[str, int]] = field(default_factory=list)  # the first _MAX_CUSTOM_LISTED
    unlisted_custom: int = 0
    producers: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)
    module_name: Optional[str] = None
    function_names: Dict[int, str] = field(default_factory=dict)
    data_range: Tuple[int, int] = (0, 0)
    notes: List[str] = field(default_factory=list)


def _value_type(r: Reader, what: str) -> str:
    at = r.pos
    b = r.byte(what)
    if b not in _VALUE_TYPES:
        r.fail("unknown value type 0x%02x in %s" % (b, what), at)
    return _VALUE_TYPES[b]


def _ref_type(r: Reader, what: str) -> str:
    at = r.pos
    b = r.byte(what)
    if b not in _REF_TYPES:
        r.fail("unknown reference type 0x%02x in %s" % (b, what), at)
    return _REF_TYPES[b]


def _limits(r: Reader, what: str, memory: bool) -> MemoryInfo:
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


def _func_type(r: Reader, p: Parsed, what: str) -> int:
    at = r.pos
    index = r.uleb(what + " type index")
    if index >= len(p.types):
        r.fail("%s uses type %d but the module has %d types" % (what, index, len(p.types)), at)
    return index


def _const_expr(r: Reader, what: str) -> str:
    """A constant expression (ending with `end`), as text (its first
    instructions: a module can make it as long as it is)."""
    parts: List[str] = []
    while True:
        if len(parts) > _MAX_EXPR_SHOWN:
            parts[_MAX_EXPR_SHOWN:] = ["..."]
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


def _type_section(r: Reader, p: Parsed) -> None:
    for i in range(r.count("type")):
        at = r.pos
        form = r.byte("type form")
        if form != 0x60:
            r.fail("unsupported type form 0x%02x for type %d (only function types are supported)" % (form, i), at)
        params = tuple(_value_type(r, "parameter type") for _ in range(r.count("parameter")))
        results = tuple(_value_type(r, "result type") for _ in range(r.count("result")))
        p.types.append((params, results))


def _import_section(r: Reader, p: Parsed) -> None:
    for _ in range(r.count("import")):
        module = r.name("import module name")
        name = r.name("import name")
        at = r.pos
        kind = r.byte("import kind")
        what = "import %s.%s" % (show(module, 40), show(name, 40))
        if kind in (0, 4):
            if kind == 4 and r.byte("tag attribute") != 0:
                r.fail("unknown tag attribute in %s" % what, r.pos - 1)
            index = _func_type(r, p, what)
            (p.func_types if kind == 0 else p.tags).append(index)
            params, results = p.types[index]
            p.imports.append(Import(module, name, params, results, kind=_KINDS[kind]))
        elif kind == 1:
            elem = _ref_type(r, what)
            lim = _limits(r, "table", memory=False)
            p.all_tables.append(TableInfo(elem, lim.min, lim.max))
            p.imports.append(Import(module, name, kind="table", min=lim.min, max=lim.max, type=elem))
        elif kind == 2:
            lim = _limits(r, "memory", memory=True)
            p.all_memories.append(lim)
            p.imports.append(Import(module, name, kind="memory", min=lim.min, max=lim.max, shared=lim.shared))
            if lim.memory64:
                p.notes.append("imports a 64-bit memory %s.%s, which wazero does not support"
                               % (show(module), show(name)))
        elif kind == 3:
            vt = _value_type(r, what)
            mut = r.byte("global mutability")
            if mut > 1:
                r.fail("unknown global mutability 0x%02x in %s" % (mut, what), r.pos - 1)
            p.all_globals.append(GlobalInfo(vt, bool(mut), "imported"))
            p.imports.append(Import(module, name, kind="global", type=vt, mutable=bool(mut)))
        else:
            r.fail("unknown import kind 0x%02x for %s" % (kind, what), at)


def _function_section(r: Reader, p: Parsed) -> None:
    n = r.count("function")
    for _ in range(n):
        p.func_types.append(_func_type(r, p, "function %d" % len(p.func_types)))
    p.defined_functions = n


def _table_section(r: Reader, p: Parsed) -> None:
    for _ in range(r.count("table")):
        elem = _ref_type(r, "table element type")
        lim = _limits(r, "table", memory=False)
        p.tables.append(TableInfo(elem, lim.min, lim.max))
    p.all_tables.extend(p.tables)


def _memory_section(r: Reader, p: Parsed) -> None:
    for _ in range(r.count("memory")):
        p.memories.append(_limits(r, "memory", memory=True))
    p.all_memories.extend(p.memories)


def _tag_section(r: Reader, p: Parsed) -> None:
    for i in range(r.count("tag")):
        if r.byte("tag attribute") != 0:
            r.fail("unknown attribute of tag %d" % i, r.pos - 1)
        p.tags.append(_func_type(r, p, "tag %d" % i))


def _global_section(r: Reader, p: Parsed) -> None:
    for i in range(r.count("global")):
        vt = _value_type(r, "global type")
        mut = r.byte("global mutability")
        if mut > 1:
            r.fail("unknown global mutability 0x%02x" % mut, r.pos - 1)
        p.globals.append(GlobalInfo(vt, bool(mut), _const_expr(r, "global %d initializer" % i)))
    p.all_globals.extend(p.globals)


def _export_section(r: Reader, p: Parsed) -> None:
    seen = set()
    spaces: Dict[int, int] = {0: len(p.func_types), 1: len(p.all_tables), 2: len(p.all_memories),
                              3: len(p.all_globals), 4: len(p.tags)}
    for _ in range(r.count("export")):
        at = r.pos
        name = r.name("export name")
        if name in seen:
            r.fail("duplicate export name %r" % show(name, 40), at)
        seen.add(name)
        kat = r.pos
        kind = r.byte("export kind")
        if kind not in _KINDS:
            r.fail("unknown export kind 0x%02x for export %r" % (kind, show(name, 40)), kat)
        iat = r.pos
        index = r.uleb("export index")
        if index >= spaces[kind]:
            r.fail("export %r refers to %s %d but the module has %d"
                   % (show(name, 40), _KINDS[kind], index, spaces[kind]), iat)
        if kind in (0, 4):
            params, results = p.types[(p.func_types if kind == 0 else p.tags)[index]]
            p.exports.append(Export(name, _KINDS[kind], params, results, index))
        elif kind == 1:
            t = p.all_tables[index]
            p.exports.append(Export(name, "table", index=index, min=t.min, max=t.max, type=t.type))
        elif kind == 2:
            m = p.all_memories[index]
            p.exports.append(Export(name, "memory", index=index, min=m.min, max=m.max, shared=m.shared))
        else:
            g = p.all_globals[index]
            p.exports.append(Export(name, "global", index=index, type=g.type, mutable=g.mutable))


def _start_section(r: Reader, p: Parsed) -> None:
    at = r.pos
    index = r.uleb("start function index")
    if index >= len(p.func_types):
        r.fail("start function %d does not exist (the module has %d functions)" % (index, len(p.func_types)), at)
    p.start = index


def _code_section(r: Reader, p: Parsed) -> None:
    """Only counts the function bodies, skipping each by its size."""
    n = r.count("function body")
    for i in range(n):
        r.sub(r.uleb("function body size"), "body of function %d" % i)
    p.code_bodies = n


def _name_section(r: Reader, p: Parsed) -> None:
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


def _producers_section(r: Reader, p: Parsed) -> None:
    """The "producers" custom section: field -> [(name, version)]."""
    for _ in range(r.count("producers field", _MAX_PRODUCERS)):
        key = r.name("producers field name")
        p.producers[key] = [(r.name("producer name"), r.name("producer version"))
                            for _ in range(r.count("producer", _MAX_PRODUCERS))]


def _custom_section(r: Reader, p: Parsed) -> None:
    name = r.name("custom section name")
    if len(p.custom) < _MAX_CUSTOM_LISTED:
        p.custom.append((name, r.left()))
    else:
        p.unlisted_custom += 1
    reader = {"name": _name_section, "producers": _producers_section}.get(name)
    if reader is not None:
        r.context = "%r custom section" % name  # name is "name" or "producers"
        try:
            reader(r, p)
            r.done()
        except _OverLimit:
            raise
        except CompileError as e:
            # Engines ignore malformed custom sections; say so, but load on.
            problem = str(e)[len("gowasm: %s: " % r.module):]
            if name == "name":
                p.module_name, p.function_names = None, {}
            else:
                p.producers = {}
            p.notes.append("the %r custom section is malformed and was ignored (%s)" % (name, problem))
    r.pos = r.end


def _data_section(r: Reader, p: Parsed) -> None:
    """Only remembers where the data is, to look for toolchain telltales."""
    r.count("data segment")
    p.data_range = (r.pos, r.end)
    r.pos = r.end


_SECTION_READERS = {0: _custom_section, 1: _type_section, 2: _import_section, 3: _function_section,
                    4: _table_section, 5: _memory_section, 6: _global_section, 7: _export_section,
                    8: _start_section, 10: _code_section, 11: _data_section, 13: _tag_section}


def parse(data: bytes, name: str) -> Parsed:
    r = Reader(data, name, context="module header")
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
    p = Parsed()
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
    if p.unlisted_custom:
        p.notes.append("{:,} more custom sections are not listed".format(p.unlisted_custom))
    if (p.code_bodies or 0) != p.defined_functions:
        r.fail("the function section declares %d functions but the code section has %d bodies"
               % (p.defined_functions, p.code_bodies or 0))
    return p



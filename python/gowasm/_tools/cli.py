"""The ``gowasm`` command line (also ``python -m gowasm``).

    gowasm run [--mount HOST[:GUEST][:ro]]... [--env K=V]... [--env-inherit]
               [--cache-dir D] [--timeout DURATION] FILE [-- ARGS...]
    gowasm inspect [--json] FILE
    gowasm call [options as for run] FILE FUNC [ARGS...]
    gowasm stubs [-o OUT] SOURCE      (SOURCE: a .wasm, or Go code as for Module.from_go)
    gowasm guest-module               (where the Go guest package is, for a go.mod replace)

Flags are named like wazero's own CLI (``-mount=/:/``, ``-env=K=V``,
``-env-inherit``, ``-cachedir=D`` work too), so Go users feel at home. Bad
input (a missing file, an invalid module, a bad flag) prints one line and
exits 2; ``run`` exits with the guest's exit code, 1 if it trapped or timed
out, 130 on Ctrl-C.
"""

import argparse
import json
import os
import sys
import warnings
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, TextIO, Type, Union

from .._errors import CompileError, ExitError, LinkError, Timeout, WasmError
from .._wasi import Mount

USAGE_ERROR = 2
TRAP_EXIT = 1
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a process killed by it


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, "gowasm %s: error: %s\n" % (self.prog.split()[-1], message))


def _wasi_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mount", "-mount", action="append", default=[], metavar="HOST[:GUEST][:ro]",
                   help="mount a host directory in the guest (GUEST defaults to HOST; :ro for read-only)")
    p.add_argument("--env", "-env", action="append", default=[], metavar="K=V", help="set a guest environment variable")
    p.add_argument("--env-inherit", "-env-inherit", action="store_true", help="give the guest this process' environment")
    p.add_argument("--cache-dir", "-cachedir", metavar="DIR",
                   help="compilation cache directory (default: gowasm's per-user cache)")
    p.add_argument("--no-cache", action="store_true", help="do not cache compiled code on disk")
    p.add_argument("--timeout", "-timeout", type=_duration, metavar="DURATION",
                   help="stop the guest after this long: 10s, 500ms, 2m, or seconds (default: no limit)")
    p.add_argument("--interruptible", action=argparse.BooleanOptionalAction, default=None,
                   help="let Ctrl-C stop the guest (default: when run from a terminal; costs up to ~2.3x on tight loops)")


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(text: str) -> float:
    """A duration as wazero's CLI takes it (Go's syntax: 10s, 1m30s,
    500ms), or a number of seconds; in seconds."""
    import re

    from .._values import check_timeout

    if text.startswith("-"):
        raise argparse.ArgumentTypeError("invalid duration %r: it cannot be negative (omit --timeout for no limit)"
                                         % text)
    if re.fullmatch(r"\d+(\.\d*)?", text):
        seconds = float(text)
    else:
        parts = re.findall(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise argparse.ArgumentTypeError("invalid duration %r (e.g. 10s, 500ms, 1m30s)" % text)
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    try:
        return check_timeout(seconds)
    except ValueError as e:
        raise argparse.ArgumentTypeError("invalid duration %r: %s" % (text, e)) from None


def _parser() -> argparse.ArgumentParser:
    top = _Parser(prog="gowasm", description="Run, inspect and call WebAssembly modules with gowasm (wazero inside).")
    sub = top.add_subparsers(dest="command", metavar="{run,inspect,call,stubs,guest-module}", parser_class=_Parser)
    sub.required = True
    run = sub.add_parser("run", help="run a WASI program (its _start)", description="Run a WASI program; exit with its exit code.")
    _wasi_options(run)
    run.add_argument("file", metavar="FILE")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the guest (after --)")
    inspect = sub.add_parser("inspect", help="show imports, exports, memories, kind and toolchain",
                             description="Describe a module: what it imports and exports, and what to do about it.")
    inspect.add_argument("--json", action="store_true", help="print JSON for machines")
    inspect.add_argument("file", metavar="FILE")
    call = sub.add_parser("call", help="call an exported function and print its result",
                          description="Load a module, call one export, print the result. Arguments are numbers "
                                      "for wasm types (ints take 0x...); for typed (self-describing) exports, "
                                      "str and bytes are the text, bool is true/false, json is JSON.")
    _wasi_options(call)
    call.add_argument("file", metavar="FILE")
    call.add_argument("func", metavar="FUNC")
    call.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    stubs = sub.add_parser("stubs", help="write a .pyi of a module's exports, for IDEs and mypy",
                           description="Print a .pyi stub declaring a gowasm.Module subclass with the module's "
                                       "exports as typed methods. SOURCE is a .wasm file, or Go code as "
                                       "Module.from_go takes it (a directory, or a module path@version).")
    stubs.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output")
    stubs.add_argument("source", metavar="SOURCE")
    sub.add_parser("guest-module", help="print the directory of the Go module holding the guest package",
                   description="Print the directory of a Go module (github.com/gowasm/gowasm) holding gowasm's "
                               "guest package, which the Go module proxy does not serve. In a hand-written "
                               "guest's module: go mod edit -replace github.com/gowasm/gowasm=$(gowasm "
                               "guest-module) -require github.com/gowasm/gowasm@v0.0.0-00010101000000-000000000000")
    return top


def _fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    print("gowasm: error: %s" % _unprefixed(message).strip().splitlines()[0], file=sys.stderr)
    raise SystemExit(code)


def _unprefixed(message: str) -> str:
    return message[len("gowasm: "):] if message.startswith("gowasm: ") else message


def _parse_mount(spec: str) -> "tuple[str, Mount]":
    # As wazero's CLI: HOST[:GUEST][:ro], split at the last colon (c:\:/ works).
    readonly = spec.endswith(":ro")
    if readonly:
        spec = spec[: -len(":ro")]
    if not spec:
        _fail("invalid mount: empty string")
    host, sep, guest = spec.rpartition(":")
    if not sep or not guest.startswith("/"):
        host, guest = spec, spec
    if not os.path.isdir(host):
        _fail("invalid mount: %r is not a directory" % host)
    return guest, Mount(host, readonly=readonly)


def _wasi_kwargs(ns: argparse.Namespace) -> Dict[str, Any]:
    env = {}
    for kv in ns.env:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            _fail("invalid env: %r, want K=V" % kv)
        env[key] = value
    mounts = dict(_parse_mount(m) for m in ns.mount)
    if ns.cache_dir and os.path.exists(ns.cache_dir) and not os.path.isdir(ns.cache_dir):
        # A mistyped option; a directory gowasm may not use is a warning.
        _fail("--cache-dir %s is not a directory" % ns.cache_dir)
    cache: Any = False if ns.no_cache else (ns.cache_dir or True)
    interruptible = ns.interruptible
    if interruptible is None:  # a person at a terminal can press Ctrl-C
        interruptible = sys.stdin.isatty() or None
    return dict(env=env, inherit_env=ns.env_inherit, mounts=mounts, cache=cache, timeout=ns.timeout,
                interruptible=interruptible)


def _read(path: str) -> bytes:
    from .._source import read_module_file

    try:
        return read_module_file(path)
    except OSError as e:
        _fail("cannot read %s: %s" % (path, e.strerror or e))
    except CompileError as e:
        _fail(str(e))


def _load_failed(path: str, e: Exception) -> NoReturn:
    """Exits for what made a module fail to load before it ran: its file,
    or a bad option (a cache directory that is a file, a NUL in --env)."""
    if isinstance(e, OSError) and e.filename == path:
        _fail("cannot read %s: %s" % (path, e.strerror or e))
    _fail(str(e))


def _cmd_run(ns: argparse.Namespace) -> int:
    from .._run import run

    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    kwargs = _wasi_kwargs(ns)
    try:
        return run(ns.file, args, **kwargs).returncode
    except (CompileError, LinkError, ValueError, TypeError) as e:
        _fail(str(e))
    except BrokenPipeError:
        _silence_stdout()
        print("gowasm: error: the guest's output pipe was closed", file=sys.stderr)
        return BROKEN_PIPE_EXIT
    except Timeout as e:  # before OSError: it is a TimeoutError too
        print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return TRAP_EXIT
    except OSError as e:
        _load_failed(ns.file, e)
    except WasmError as e:  # a trap: the program failed, as wazero's CLI reports it
        print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return TRAP_EXIT


def _cmd_inspect(ns: argparse.Namespace) -> int:
    from . import inspect as _inspect

    try:
        info = _inspect.inspect_module(_read(ns.file), os.path.basename(ns.file))
    except CompileError as e:
        _fail(str(e))
    if ns.json:
        print(json.dumps(_inspect.to_json(info), indent=2))
    else:
        print(_inspect.format_text(info))
    return 0


_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _argument(text: str, kind: str, position: int) -> Any:
    """A command-line argument as the Python value for a parameter of kind
    ``kind``: a wasm type (i32, i64, f32, f64) or, for typed and
    self-describing exports, a typed kind (int, float, bool, str, bytes,
    json; see gowasm._typed)."""
    try:
        if kind in ("i32", "i64", "int"):
            return int(text, 0)
        if kind in ("f32", "f64", "float"):
            return float(text)
        if kind == "bool":
            return _BOOLS[text.lower()]
        if kind == "str":
            return text
        if kind == "bytes":
            return os.fsencode(text)  # the argument's own bytes
        if kind == "json":
            return json.loads(text)
    except (ValueError, KeyError):
        want = {"bool": "bool (true/false/1/0)", "json": "JSON value"}.get(kind, kind)
        _fail("argument %d: %r is not a valid %s" % (position, text, want))
    _fail("argument %d: gowasm call cannot pass %s values from the command line" % (position, kind))


def _print_result(value: Any) -> None:
    """Prints a result on one line: numbers and str as text, bool as
    true/false, JSON as JSON, bytes as they are, several (wasm) results
    separated by spaces."""
    if isinstance(value, (bytes, bytearray)):
        sys.stdout.flush()
        sys.stdout.buffer.write(bytes(value) + b"\n")
        sys.stdout.buffer.flush()
    elif isinstance(value, bool):
        print("true" if value else "false")
    elif isinstance(value, (dict, list)) or value is None:
        print(json.dumps(value))
    else:
        print(*(value if isinstance(value, tuple) else (value,)))


def _cmd_call(ns: argparse.Namespace) -> int:
    from .._module import Module

    kwargs = _wasi_kwargs(ns)
    try:
        module = Module(ns.file, **kwargs)
    except (CompileError, LinkError, ValueError, TypeError) as e:
        _fail(str(e))
    except Timeout as e:  # _initialize ran too long; before OSError (a TimeoutError too)
        print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return TRAP_EXIT
    except OSError as e:
        _load_failed(ns.file, e)
    try:
        fn = module.exports[ns.func]
    except KeyError as e:
        _fail(e.args[0])
    # A typed export's __qualname__ is its typed signature, a raw one's its
    # wasm signature: the one whose parameters the arguments are.
    if len(ns.args) != len(fn.params):
        _fail("%s takes %d argument(s), got %d" % (fn.__qualname__, len(fn.params), len(ns.args)))
    args = [_argument(a, k, i + 1) for i, (a, k) in enumerate(zip(ns.args, fn.params))]
    try:
        result = fn(*args)
    except (OverflowError, TypeError, ValueError) as e:
        _fail(str(e))
    except ExitError as e:  # proc_exit (a command's _start ends in it): its code, as `gowasm run` exits
        if e.code != 0:
            print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return e.code
    except WasmError as e:
        print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return TRAP_EXIT
    if result is not None or fn.results:
        _print_result(result)
    return 0


def _cmd_stubs(ns: argparse.Namespace) -> int:
    from .._module import Module
    from .stubs import stubs

    try:
        if os.path.isfile(ns.source):
            module = Module(ns.source)
        else:
            module = Module.from_go(ns.source)
    except (WasmError, ValueError, TypeError) as e:  # CompileError, GoBuildError...: Go's message can span lines
        print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return USAGE_ERROR
    except OSError as e:
        _load_failed(ns.source, e)
    text = stubs(module)
    if ns.output:
        try:
            with open(ns.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            _fail("cannot write %s: %s" % (ns.output, e.strerror or e))
    else:
        sys.stdout.write(text)
    return 0


def _cmd_guest_module(ns: argparse.Namespace) -> int:
    from .. import _gobuild

    try:
        print(_gobuild.guest_module())
    except WasmError as e:
        print("gowasm: error: %s" % _unprefixed(str(e)), file=sys.stderr)
        return USAGE_ERROR
    return 0


def _silence_stdout() -> None:
    # Python would complain again when flushing a closed stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


INTERRUPTED_EXIT = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


# Options that take a value. argparse takes a value that starts with "-"
# for another option (--timeout -1s: "expected one argument"); Go's flag
# package, whose syntax these follow, takes the next word as the value.
_VALUED = frozenset(("--mount", "-mount", "--env", "-env", "--cache-dir", "-cachedir", "--timeout", "-timeout",
                     "-o", "--output"))


def _joined(argv: Sequence[str]) -> List[str]:
    """argv with each valued option before the first operand joined to its
    value (``--timeout=-1s``); the guest's arguments are left alone."""
    out: List[str] = []
    words = list(argv)
    i = 0
    operands = 0
    while i < len(words):
        word = words[i]
        if operands < 2 and word in _VALUED and i + 1 < len(words):
            out.append("%s=%s" % (word, words[i + 1]))
            i += 2
            continue
        if word == "--":
            out += words[i:]
            break
        if not word.startswith("-"):
            operands += 1  # the command, then FILE (or SOURCE)
        out.append(word)
        i += 1
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ns = _parser().parse_args(_joined(sys.argv[1:] if argv is None else argv))
    handler = {"run": _cmd_run, "inspect": _cmd_inspect, "call": _cmd_call, "stubs": _cmd_stubs,
               "guest-module": _cmd_guest_module}[ns.command]
    with warnings.catch_warnings():
        # A warning is one line on stderr, as an error is, not Python's
        # "file:line: Category: message" pointing into gowasm.
        warnings.showwarning = _show_warning
        return _dispatch(handler, ns)


def _show_warning(message: Union[Warning, str], category: Type[Warning], filename: str, lineno: int,
                  file: Optional[TextIO] = None, line: Optional[str] = None) -> None:
    print("gowasm: warning: %s" % _unprefixed(str(message)), file=sys.stderr)


def _dispatch(handler: Callable[[argparse.Namespace], int], ns: argparse.Namespace) -> int:
    try:
        return handler(ns)
    except KeyboardInterrupt:
        # Ctrl-C stopped the guest: say so, without a traceback, as a shell tool does.
        print("gowasm: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT

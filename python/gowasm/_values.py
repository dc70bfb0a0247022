"""The vocabulary of calls that every layer shares, with no gowasm imports:
wasm values as the raw 64-bit words the ABI carries, signatures as people
write them, Python's own wording for too many arguments, a checked timeout,
which export names are attributes, and the ``acall`` of a function.

Layer 0 (tests/test_layers.py): raw exports (``_func``), typed ones
(``_typed``, ``_described``), host functions (``_host``), the WASI
configuration, the inspector and the command line use these.
"""

import functools
import keyword
import struct
from typing import Any, Callable, NoReturn, Sequence


def too_many_arguments(name: str, n: int, extra: int) -> NoReturn:
    """Raises Python's own error for too many positional arguments, without
    counting the owner a typed or bound function takes first."""
    raise TypeError("%s() takes %d positional argument%s but %d %s given"
                    % (name, n, "" if n == 1 else "s", n + extra, "was" if n + extra == 1 else "were"))


def format_signature(name: str, params: Sequence[str], results: Sequence[str]) -> str:
    """``sum(i32, i32) -> i32``: a wasm signature as people write it."""
    if not results:
        ret = "None"
    elif len(results) == 1:
        ret = results[0]
    else:
        ret = "(%s)" % ", ".join(results)
    return "%s(%s) -> %s" % (name, ", ".join(params), ret)


# Floats as wasm raw values (IEEE bits), for the general path (_func.py) and
# for host functions (_host.py).

def f32_bits(value: float) -> int:
    """IEEE bits of value rounded to f32; too large becomes infinity, as a
    C or Go conversion does (struct refuses)."""
    try:
        bits: int = struct.unpack("<I", struct.pack("<f", value))[0]
        return bits
    except OverflowError:
        return 0x7F800000 if value > 0 else 0xFF800000


def f64_bits(value: float) -> int:
    bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
    return bits


def f32_from_bits(raw: int) -> float:
    value: float = struct.unpack("<f", struct.pack("<I", raw & 0xFFFFFFFF))[0]
    return value


def f64_from_bits(raw: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", raw))[0]
    return value


def encode_value(kind: str, value: Any) -> int:
    """A checked argument as the raw word the general entry point takes."""
    if kind == "i32":
        return int(value & 0xFFFFFFFF)
    if kind == "i64":
        return int(value & 0xFFFFFFFFFFFFFFFF)
    if kind == "f32":
        return f32_bits(value)
    return f64_bits(value)


def decode_value(kind: str, raw: int) -> Any:
    """A raw result word as Python's value: signed ints, floats."""
    if kind == "i32":
        raw &= 0xFFFFFFFF
        return raw - (1 << 32) if raw >= 1 << 31 else raw
    if kind == "i64":
        return raw - (1 << 64) if raw >= 1 << 63 else raw
    if kind == "f32":
        return f32_from_bits(raw)
    if kind == "f64":
        return f64_from_bits(raw)
    raise TypeError("gowasm cannot return %s values yet" % kind)


def acall_of(fn: Callable[..., Any], signature: str, general: bool = False) -> Callable[..., Any]:
    """The ``acall`` of an export: ``fn`` run in the event loop's default
    executor. ``general``: fn is ``_Export.call_general(args, timeout)``."""

    async def acall(*args: Any, **kwargs: Any) -> Any:
        """``await m.fn.acall(*args)``: the call, run in the event loop's
        default executor (a thread) so the loop goes on meanwhile. The GIL
        is released while guest code runs, so calls on separate modules
        overlap (``asyncio.gather``); calls on one module take turns.
        It takes ``timeout=`` as :meth:`call` does. Cancelling the
        awaiting task does not stop the guest: give a ``timeout``."""
        import asyncio  # costly to import: not at ``import gowasm`` (RATIONALE.md)

        loop = asyncio.get_running_loop()
        if general:
            job = functools.partial(fn, args, kwargs.pop("timeout", None))
            if kwargs:
                raise TypeError("%s.acall() takes only timeout= as a keyword argument" % signature)
        else:
            job = functools.partial(fn, *args, **kwargs)
        return await loop.run_in_executor(None, job)

    acall.__qualname__ = signature + ".acall"
    return acall


#: The largest timeout, in seconds: gowasm.h's GOWASM_MAX_TIMEOUT, which
#: this layer (no gowasm imports) cannot read; tests/test_errors.py checks
#: the two agree.
MAX_TIMEOUT = 1e9


def check_timeout(timeout: Any) -> float:
    """A timeout in seconds, checked (0 means none)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a number of seconds, not %s" % type(timeout).__name__)
    if not 0 <= timeout <= MAX_TIMEOUT:
        raise ValueError("timeout must be between 0 (none) and 1e9 seconds, not %r" % timeout)
    return float(timeout)


def is_attribute_name(name: str) -> bool:
    """Whether an export can be reached as ``module.name``."""
    return name.isidentifier() and not keyword.iskeyword(name)

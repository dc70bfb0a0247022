"""Frames: the results of Go functions that return an error, several values
or JSON (guest/frame.go writes them; its doc comment is the format).

A framed function's wasm result is a ``bytes`` result like any other; this
module turns its bytes into the Python result, or into the exception the Go
code meant: :class:`gowasm.GoError` for a returned ``error``, ``TypeError``
for an argument the guest could not decode.
"""

import json
import struct
from typing import Any, Callable, Dict, List, Tuple

from ._errors import GoError

# The status byte and value tags: guest/frame.go's FrameOK... and TagInt...
# (tests/test_from_go.py checks that the two agree).
FRAME_OK, FRAME_ERROR, FRAME_ARG_ERROR = 0, 1, 2
TAG_INT, TAG_UINT, TAG_FLOAT, TAG_BOOL = ord("i"), ord("u"), ord("f"), ord("b")
TAG_STR, TAG_BYTES, TAG_JSON = ord("s"), ord("y"), ord("j")

_FIXED: Dict[int, struct.Struct] = {
    TAG_INT: struct.Struct("<q"), TAG_UINT: struct.Struct("<Q"), TAG_FLOAT: struct.Struct("<d")}
_LENGTH = struct.Struct("<I")


def decode_str(data: bytes, what: str) -> str:
    """``data`` as UTF-8; if it is not, a UnicodeDecodeError that says which
    value of which function it was (Go strings may hold any bytes)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnicodeDecodeError(e.encoding, e.object, e.start, e.end, "%s: %s; a Go string holding other bytes "
                                 "than UTF-8 text should be a []byte (Python bytes)" % (what, e.reason)) from None


def _sized(data: bytes, pos: int) -> Tuple[bytes, int]:
    (n,) = _LENGTH.unpack_from(data, pos)
    pos += 4
    if pos + n > len(data):
        raise ValueError("a value runs past the frame's end")
    return data[pos:pos + n], pos + n


def decode(data: bytes, function: str) -> List[Any]:
    """The values of a frame from ``function``, or the error it holds,
    raised."""
    if not data:
        raise ValueError("%s returned an empty frame" % function)
    status = data[0]
    if status == FRAME_ERROR:
        typ, pos = _sized(data, 1)
        raise GoError(decode_str(data[pos:], function + "'s error"), go_type=typ.decode("utf-8", "replace"),
                      function=function)
    if status == FRAME_ARG_ERROR:
        raise TypeError("%s: %s" % (function, data[1:].decode("utf-8", "replace")))
    if status != FRAME_OK:
        raise ValueError("%s returned a frame with status %d" % (function, status))
    values: List[Any] = []
    pos = 1
    while pos < len(data):
        tag = data[pos]
        pos += 1
        fixed = _FIXED.get(tag)
        if fixed is not None:
            (v,) = fixed.unpack_from(data, pos)
            values.append(v)
            pos += 8
        elif tag == TAG_BOOL:
            values.append(data[pos] != 0)
            pos += 1
        elif tag in (TAG_STR, TAG_BYTES, TAG_JSON):
            raw, pos = _sized(data, pos)
            what = "%s's result %d" % (function, len(values) + 1)
            values.append(decode_str(raw, what) if tag == TAG_STR else raw if tag == TAG_BYTES
                          else json.loads(raw))
        else:
            raise ValueError("%s returned a frame with an unknown tag %r" % (function, chr(tag)))
    return values


def result_maker(function: str, count: int) -> Callable[[bytes], Any]:
    """How a framed function's bytes become its Python result: None, the
    value, or a tuple of ``count`` values."""
    def result(data: bytes) -> Any:
        values = decode(data, function)
        if len(values) != count:
            raise ValueError("%s returned %d values, its description says %d" % (function, len(values), count))
        if count == 1:
            return values[0]
        return tuple(values) if count else None
    return result

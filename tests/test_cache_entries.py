"""A damaged compilation cache entry is compiled again, never run
(gohost/internal/compile/cacheentry.go): end to end, each load in a new
process, since a damaged entry killed it or ran one function for another."""

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import wat

AB = wat("""(module
  (func (export "a") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func (export "b") (param i32) (result i32) local.get 0 i32.const 11 i32.mul))""")

LOAD = "import sys; from gowasm import Module; m = Module(sys.argv[1], cache=sys.argv[2]); print(m.a(2), m.b(2))"


def _load(module: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LOAD, str(module), str(cache)],
                          capture_output=True, text=True, timeout=120)


def _entries(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if re.fullmatch("[0-9a-f]{64}", p.name) and p.parent.name.startswith("wazero-")]


def _swap_first_offsets(b: bytes) -> bytes:
    # wazero v1.12.0's entry: "WAZEVO", the version's length and text, the
    # function count (u32), then each function's offset in the code (u64).
    at = 6 + 1 + b[6]
    (count,) = struct.unpack_from("<I", b, at)
    assert count == 2
    first, second = b[at + 4:at + 12], b[at + 12:at + 20]
    return b[:at + 4] + second + first + b[at + 20:]


def _huge_count(b: bytes) -> bytes:
    at = 6 + 1 + b[6]
    return b[:at] + struct.pack("<I", 0xFFFFFFF0) + b[at + 4:]


@pytest.mark.parametrize("damage", [_swap_first_offsets, _huge_count], ids=["swapped offsets", "huge count"])
def test_a_damaged_entry_is_compiled_again(tmp_path, damage):
    module, cache = tmp_path / "ab.wasm", tmp_path / "cache"
    module.write_bytes(AB)
    first = _load(module, cache)
    assert first.returncode == 0 and first.stdout.split() == ["3", "22"], first.stderr
    entries = _entries(cache)
    assert len(entries) == 1, entries
    good = entries[0].read_bytes()
    entries[0].write_bytes(damage(good))
    # Swapped offsets ran b for a with no error; a huge count killed the
    # process (Go's "fatal error: runtime: out of memory").
    again = _load(module, cache)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.split() == ["3", "22"]
    assert entries[0].read_bytes() == good  # written again
    assert os.path.isfile(entries[0]) and not os.path.islink(entries[0])

"""Attacks on maps (typed and raw) from a hostile caller or guest."""

import pytest

from gowasm import Module, ModuleClosedError, Trap
from conftest import wat

# echo calls the host function h with its length first; boom traps.
_GUEST = '''(module (import "env" "h" (func $h (param i32) (result i32)))
  (memory (export "memory") 2)
  (global $next (mut i32) (i32.const 1024)) (global $calls (mut i32) (i32.const 0))
  (func $malloc (export "malloc") (param i32) (result i32) (local $p i32)
    global.get $next local.set $p
    (global.set $next (i32.and (i32.add (i32.add (global.get $next) (local.get 0)) (i32.const 15)) (i32.const -16)))
    (if (i32.gt_u (global.get $next) (i32.const 100000)) (then (global.set $next (i32.const 1024))))
    local.get $p)
  (func (export "free") (param i32))
  (func (export "boom") (param i32 i32) (result i32) unreachable)
  (func $pack (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 32)) (i64.extend_i32_u (local.get 1))))
  (func (export "echo") (param i32 i32) (result i64) (local $p i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (drop (call $h (local.get 1)))
    (local.set $p (call $malloc (local.get 1)))
    (memory.copy (local.get $p) (local.get 0) (local.get 1))
    (call $pack (local.get $p) (local.get 1))))'''


def _module_whose_nested_call_traps_at(length):
    """A module whose host function, called by echo, makes a nested call
    that traps (killing the instance) when echo's value has `length`, and
    swallows the Trap, so that the guest's outer call goes on."""
    seen = []
    holder = []

    def h(n):
        seen.append(n)
        if n == length:
            with pytest.raises(Trap):
                holder[0]("x")
        return 0

    m = Module(wat(_GUEST), imports={"env": {"h": h}})
    holder.append(m.boom.typed(str, returns=int))
    return m, seen


@pytest.mark.parametrize("typed", [True, False])
def test_a_map_stops_once_a_nested_call_killed_the_instance(typed):
    # Element 1's host function makes a nested call that traps: the instance
    # is dead ("can no longer be called"). The outer guest call of element 1
    # may finish, but no later element may start a new call on the dead
    # instance, as no later single call may.
    m, seen = _module_whose_nested_call_traps_at(2)
    if typed:
        run = lambda: m.echo.typed(str, returns=str).map(["a", "bb", "ccc", "dddd"])  # noqa: E731
    else:
        run = lambda: m.echo.map([1, 2, 3, 4], [1, 2, 3, 4])  # noqa: E731
    with pytest.raises(ModuleClosedError, match="element 2: .*can no longer be called"):
        run()
    assert seen == [1, 2]  # elements 2 and 3 never ran
    with pytest.raises(ModuleClosedError):
        m.echo.typed(str, returns=str)("x")


def test_a_value_over_4_gib_never_reruns_earlier_elements():
    # A memory value that cannot fit in 32-bit wasm memory was refused by Go
    # mid-batch, after the elements before it had run; the per-element path
    # that words the error then ran them again (h saw 1, 2, 1, 2). Go now
    # checks every value's size before any guest code runs. bytes(n) is
    # calloc'ed: its 4 GiB are never touched, so never resident.
    seen = []
    m = Module(wat(_GUEST), imports={"env": {"h": lambda n: seen.append(n) or 0}})
    echo = m.echo.typed(bytes, returns=bytes)
    for big in ([b"a", b"bb", bytes((4 << 30) + 1), b"c"], [b"a", b"bb", b"", bytes(5 << 30)]):
        seen.clear()
        with pytest.raises(OverflowError, match="element %d: .*out of range" % (2 if big[2] else 3)):
            echo.map(big)
        assert seen == [1, 2] + ([0] if not big[2] else []), seen  # each element before it ran once
    assert echo.map([b"ok"]) == [b"ok"]


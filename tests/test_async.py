"""``await m.fn.acall(...)``: calls run off the event loop, and calls on
several modules overlap."""

import asyncio
import threading

import pytest

from conftest import wat
from gowasm import Module, Timeout

# The guest calls env.meet, which waits at a barrier: two calls pass it only
# if they run at the same time.
MEETS = wat("""
(module
  (import "env" "meet" (func $meet (param i32) (result i32)))
  (func (export "meet") (param i32) (result i32) (call $meet (local.get 0))))
""")

SPIN = wat("""
(module
  (func (export "spin") (param i64) (result i64) (local i64)
    (block (loop (br_if 1 (i64.ge_u (local.get 1) (local.get 0)))
      (local.set 1 (i64.add (local.get 1) (i64.const 1))) (br 0)))
    (local.get 1)))
""")


def test_gather_overlaps_calls_on_several_modules():
    barrier = threading.Barrier(3, timeout=20)

    def meet(x: int) -> int:
        barrier.wait()  # all three calls are running now
        return x * 10

    modules = [Module(MEETS, imports={"env": {"meet": meet}}) for _ in range(3)]

    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        t = asyncio.ensure_future(ticker())
        results = await asyncio.gather(*(m.meet.acall(i) for i, m in enumerate(modules)))
        t.cancel()
        return results, ticks

    results, ticks = asyncio.run(main())
    assert results == [0, 10, 20]
    assert ticks >= 1  # the loop ran while the guests did


def test_acall_returns_and_raises_like_a_call(reactor_wasm, greet_wasm):
    m = Module(reactor_wasm)
    greet = Module(greet_wasm).greet  # a typed export

    async def main():
        assert await m.add.acall(2, 3) == 5
        assert await m.sum5.acall(1, 2, 3, 4, 5) == 15
        assert await greet.acall("async") == "Hello, async!"
        with pytest.raises(TypeError, match="takes 2 arguments"):
            await m.add.acall(1)
        with pytest.raises(Timeout):
            await Module(SPIN, interruptible=True).spin.acall(1 << 62, timeout=0.2)

    asyncio.run(main())

"""Threads: calls on one module are serialized; modules run side by side."""

import threading

from gowasm import Module


def _run(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_one_module_many_threads_is_serialized(reactor_wasm):
    m = Module(reactor_wasm)
    errors = []

    def work():
        try:
            for _ in range(2000):
                m.inc()
                assert m.add(20, 22) == 42
        except Exception as e:  # surfaced below
            errors.append(e)

    _run([threading.Thread(target=work) for _ in range(8)])
    assert not errors
    assert m.inc() == 8 * 2000 + 1  # no increment lost


def test_separate_modules_in_threads(reactor_wasm):
    modules = [Module(reactor_wasm) for _ in range(4)]
    results = {}

    def work(i):
        results[i] = modules[i].spin(2_000_000)

    _run([threading.Thread(target=work, args=(i,)) for i in range(4)])
    expected = modules[0].spin(2_000_000)
    assert results == {i: expected for i in range(4)}


def test_close_while_other_threads_call(reactor_wasm):
    m = Module(reactor_wasm)
    outcomes = []

    def work():
        for _ in range(500):
            try:
                m.add(1, 2)
            except Exception as e:
                outcomes.append(type(e).__name__)
                return

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    m.close()
    for t in threads:
        t.join()
    assert set(outcomes) <= {"ModuleClosedError"}

"""gowasm on dask.distributed: a LocalCluster with 2 worker processes."""

import warnings

import pytest

from gowasm import Module

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


def test_tokens_are_stable_and_need_no_pickling(reactor_wasm):
    from dask.base import tokenize

    m = Module(reactor_wasm)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "cannot be deterministically hashed"
        with dask.config.set({"tokenize.ensure-deterministic": True}):
            assert tokenize(m) == tokenize(Module(reactor_wasm)) != tokenize(Module(reactor_wasm, timeout=5))
            assert tokenize(m.add) == tokenize(Module(reactor_wasm).add) != tokenize(m.add64)
            assert tokenize(m.exports) == tokenize(Module(reactor_wasm).exports) != tokenize(m)
            typed = m.add.typed(int, int, returns=int)
            assert tokenize(typed) == tokenize(m.add.typed(int, int, returns=int)) != tokenize(m.add)


@pytest.mark.slow  # ~3 s: starts a cluster of 2 worker processes
def test_client_map_on_a_local_cluster(reactor_wasm):
    m = Module(reactor_wasm)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            futures = client.map(m.add, range(1000), range(1000))
            assert client.gather(futures) == [2 * i for i in range(1000)]
            # One module per worker, loaded once for all its tasks.
            loaded = client.run(lambda: len(__import__("gowasm._origin")._origin._live))
            assert sorted(loaded.values()) == [1, 1], loaded
            # A Module captured in a delayed task.
            assert dask.delayed(lambda mod, x: mod.mul_f64(x, 2.0))(m, 1.25).compute() == 2.5

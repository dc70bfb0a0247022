"""Values in and out: every wasm number type, both integer ranges, several
results, and the sentinel values the fast path uses to signal failure."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from gowasm import Module
from conftest import wat


def test_i32_is_signed_out_and_accepts_both_ranges_in(reactor):
    assert reactor.add(12, 12) == 24
    assert reactor.add(-5, 3) == -2
    assert reactor.add(2**31 - 1, 1) == -(2**31)  # wraps like Go's int32
    assert reactor.add_u32(0xFFFFFFFF, 1) == 0
    assert reactor.add_u32(0xFFFFFFFF, 0) == -1  # results come back signed
    assert reactor.add(True, 1) == 2


def test_i64_accepts_unsigned_range(reactor):
    assert reactor.add64(2**62, 2**62) == -(2**63)
    assert reactor.add64(2**64 - 1, 0) == -1
    assert reactor.add64(-(2**63), 0) == -(2**63)


def test_floats(reactor):
    assert reactor.mul_f64(1.5, 2) == 3.0
    assert reactor.half_f32(3) == 1.5
    assert reactor.half_f32(0.1) == pytest.approx(0.05, rel=1e-6)
    assert reactor.mix(1, 2.5, 3, 0.5) == 7.0


def test_sentinel_results_are_genuine_values(reactor):
    # The fast path signals failure with GOWASM_FAILED_INT / NaN (a hint the
    # slow path checks): a genuine result equal to one must come back as is.
    from gowasm._native import FAILED_INT

    assert reactor.add(FAILED_INT, 0) == FAILED_INT
    assert reactor.add64(FAILED_INT, 0) == FAILED_INT
    assert reactor.min_i64() == -(2**63)
    assert math.isnan(reactor.nan())


def test_no_result_is_none_and_bool_is_i32(reactor):
    assert reactor.nothing() is None
    assert reactor.exports["not"](0) == 1
    assert reactor.exports["not"](True) == 0


def test_more_than_four_params_use_the_general_path(reactor):
    assert reactor.sum5(1, 2, 3, 4, 5) == 15
    assert reactor.sum5(0xFFFFFFFF, 1, 0, 0, 0) == 0
    with pytest.raises(OverflowError, match=r"sum5\(i32, i32, i32, i32, i32\) -> i32: argument 2"):
        reactor.sum5(1, 2**32, 0, 0, 0)


@pytest.mark.parametrize("args", [(2**32, 0), (0, -(2**31) - 1)])
def test_i32_out_of_range(reactor, args):
    with pytest.raises(OverflowError, match=r"add\(i32, i32\) -> i32: argument \d is out of range for i32"):
        reactor.add(*args)


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1])
def test_i64_out_of_range(reactor, value):
    with pytest.raises(OverflowError, match=r"add64\(i64, i64\) -> i64: argument 1 is out of range for i64"):
        reactor.add64(value, 0)


@pytest.mark.parametrize(
    "args,message",
    [((), "missing 2 required positional arguments"), ((1,), "missing 1 required positional argument"),
     # An export is a method: Python counts its owner, as it counts self
     # (catching that ourselves cost ~25 ns a call: RATIONALE.md).
     ((1, 2, 3), "takes 3 positional arguments but 4 were given")],
)
def test_wrong_arity_names_the_signature(reactor, args, message):
    with pytest.raises(TypeError, match=r"^add\(i32, i32\) -> i32\(\) %s" % message):
        reactor.add(*args)


def test_keywords_are_refused(reactor):
    with pytest.raises(TypeError, match=r"^add\(i32, i32\) -> i32\(\) got some positional-only arguments"):
        reactor.add(p0=1, p1=2)


@pytest.mark.parametrize("value", ["1", 1.5, None, b"x"])
def test_wrong_type_for_int(reactor, value):
    with pytest.raises(TypeError, match=r"add\(i32, i32\) -> i32: argument 2 must be int \(wasm i32\), not"):
        reactor.add(1, value)


class _FloatLike:
    """A number with __float__ and __int__ but no __index__, as
    numpy.float32, Decimal and Fraction are."""

    def __float__(self) -> float:
        return 1.5

    def __int__(self) -> int:
        return 1


@pytest.mark.parametrize("value", [Decimal("1.5"), Fraction(3, 2), Decimal(2), _FloatLike()])
def test_float_likes_are_refused_like_float(reactor, value):
    # Not truncated on the fast path: refused as 1.5 is, on every int entry.
    for fn in (reactor.add, reactor.add64):
        with pytest.raises(TypeError, match=r"argument 1 must be int \(wasm i(32|64)\), not %s" % type(value).__name__):
            fn(value, 1)
    with pytest.raises(TypeError, match=r"argument 3 must be int"):
        reactor.mix(1, 2.0, value, 4.0)
    assert reactor.mul_f64(value, 2.0) == float(value) * 2  # f64 takes them, as float() does


def test_numpy_scalars():
    numpy = pytest.importorskip("numpy")
    m = Module(wat('(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'))
    for value in (numpy.float32(1.5), numpy.float16(1.5), numpy.float32(2.0)):
        with pytest.raises(TypeError, match=r"argument 1 must be int \(wasm i32\), not float"):
            m.add(value, 1)
    assert m.add(numpy.int32(5), numpy.uint8(1)) == 6  # __index__: accepted


def test_index_objects_and_int_subclasses_are_ints(reactor):
    class Index:
        def __index__(self) -> int:
            return 7

    assert reactor.add(Index(), True) == 8
    assert reactor.add64(Index(), 1) == 8


def test_wrong_type_for_float(reactor):
    with pytest.raises(TypeError, match=r"mul_f64\(f64, f64\) -> f64: argument 1 must be float"):
        reactor.mul_f64("2", 1.0)


def test_a_failed_argument_does_not_break_the_module(reactor):
    with pytest.raises(OverflowError):
        reactor.add(2**32, 0)
    assert reactor.add(1, 2) == 3


MULTI = wat(
    """
    (module
      (func (export "swap") (param i32 i64) (result i64 i32)
        local.get 1 local.get 0)
      (func (export "pair_f") (param f32) (result f32 f64)
        local.get 0 local.get 0 f64.promote_f32)
      (func (export "neg64") (param i64) (result i64)
        i64.const 0 local.get 0 i64.sub))
    """
)


def test_several_results_come_back_as_a_tuple():
    with Module(MULTI) as m:
        assert m.swap(-1, 2**64 - 1) == (-1, -1)
        assert m.swap(7, 8) == (8, 7)
        assert m.pair_f(0.5) == (0.5, 0.5)
        assert m.swap.results == ("i64", "i32")
        assert m.neg64(2**63) == -(2**63)  # unsigned in, same bits
        with pytest.raises(TypeError, match=r"swap\(i32, i64\) -> \(i64, i32\) takes 2 arguments \(1 given\)"):
            m.swap(1)

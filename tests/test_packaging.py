"""Packaging checks that run anywhere: the musl refusal at import."""

import os

import pytest

from gowasm import _native


@pytest.mark.parametrize("confstr", ["", ValueError("unrecognized configuration name"), OSError(22, "EINVAL")])
def test_musl_is_refused_with_a_clear_message(monkeypatch, confstr):
    def fake(name):
        assert name == "CS_GNU_LIBC_VERSION"
        if isinstance(confstr, Exception):
            raise confstr
        return confstr

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(os, "confstr", fake, raising=False)
    with pytest.raises(ImportError, match=r"needs glibc.*musl.*golang/go#13492"):
        _native.check_libc()


def test_glibc_and_other_systems_pass(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.36", raising=False)
    _native.check_libc()
    monkeypatch.setattr("sys.platform", "darwin")
    monkeypatch.setattr(os, "confstr", lambda name: "", raising=False)
    _native.check_libc()


def test_installed_package_is_tested():
    """Under scripts/test-wheel.sh, gowasm comes from the venv's site-packages,
    not from this checkout."""
    if not os.environ.get("GOWASM_TEST_INSTALLED"):
        pytest.skip("only under scripts/test-wheel.sh")
    import gowasm

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert "site-packages" in gowasm.__file__
    assert not os.path.abspath(gowasm.__file__).startswith(os.path.join(root, "python"))


def test_native_imports_nothing_above_it():
    """_native is the bottom layer: the layers above register into it
    (on_load, on_error), so that it never imports them."""
    import ast

    tree = ast.parse(open(_native.__file__, encoding="utf-8").read())
    relative = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    assert relative == {"_errors", "_gowasm_cffi"}

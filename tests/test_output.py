"""Guest output goes to Python's current sys.stdout / sys.stderr."""

import contextlib
import io

from gowasm import Module
from conftest import corpus_path


def test_stdout_and_stderr_reach_capsys(reactor, capsys):
    reactor.hello()
    out = capsys.readouterr()
    assert out.out == "hello from Go, héllo\n"
    assert out.err == "and to stderr\n"


def test_output_follows_redirection(reactor):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        reactor.hello()
    assert buf.getvalue() == "hello from Go, héllo\n"


def test_assemblyscript_trace_goes_to_stdout(capsys):
    m = Module(corpus_path("assemblyscript/hello_trace.wasm"))
    assert m.hello_world(1) == 4
    assert capsys.readouterr().out == "trace: hello world 1.1,1.2\n"

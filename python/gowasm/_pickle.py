"""Pickling modules and their exports, and tokens for Dask.

A :class:`~gowasm.Module` pickles as its code and its configuration, not
its state: a module loaded from a file as its path and the SHA-256 of the
bytes it loaded (hashed as it loads; the file is checked against it when
pickled and when unpickled), one loaded from bytes as its bytes and their
SHA-256 (checked when unpickled); and the keyword arguments it was made
with.
Host functions pickle by reference (importable, module-level functions);
anything else that cannot cross to another process (a lambda, an open file
as ``stdout``) raises :class:`pickle.PicklingError` naming it. An export
pickles as (module, name) (see ``_func.ExportOwner``).

Unpickling makes a fresh instance, compiled from the disk cache when this
machine has compiled the module before (far faster than compiling: see
``_cache.py``), and shares it: within one process, unpickling the same
module (same bytes, same configuration) again returns the same live
instance (the memo is ``_origin``'s), so a pool worker or Dask worker loads
each module once, not once per task.
"""

import sys
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from ._errors import CompileError
from ._origin import Origin, keep, live, sha256_of
from ._source import read_module_file

#: The class unpickling makes: gowasm.Module, which registers itself with
#: :func:`unpickles_as` as ``_module`` is imported. (``_module`` imports this
#: module for ``Module.__reduce__``, so this one does not import it back:
#: layers only call down, tests/test_layers.py.) Unpickling imports
#: ``gowasm._pickle``, so the package's ``__init__``, which imports
#: ``_module``, first: it is set before any pickle can load.
_module_class: Optional[Callable[..., Any]] = None


def unpickles_as(cls: Callable[..., Any]) -> None:
    """Has :func:`load` make modules with ``cls(wasm, **options)``."""
    global _module_class
    _module_class = cls


def _importable(fn: Any) -> bool:
    """Whether pickle can save ``fn`` by reference (module + qualified name)."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    qualname = getattr(fn, "__qualname__", None)
    if module is None or not isinstance(qualname, str) or "<" in qualname:
        return False
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj is fn


def check_picklable(name: str, options: Mapping[str, Any]) -> None:
    """Raises PicklingError naming the first option that cannot be pickled."""
    import pickle

    for stream in ("stdin", "stdout", "stderr"):
        value = options.get(stream)
        if value is not None and not isinstance(value, int):
            raise pickle.PicklingError(
                "cannot pickle gowasm.Module %s: its %s=%r is a stream of this process; pickle a module made "
                "with %s=None (Python's sys.%s where it is unpickled) or subprocess.DEVNULL"
                % (name, stream, value, stream, stream))
    for module, functions in (options.get("imports") or {}).items():
        for field, fn in functions.items():
            if not _importable(fn):
                raise pickle.PicklingError(
                    "cannot pickle gowasm.Module %s: its host function %s.%s (%r) is not an importable "
                    "module-level function, so another process cannot find it; define it at the top level "
                    "of a module" % (name, module, field, fn))


def reduce_module(module: Any) -> Tuple[Callable[..., Any], Tuple[Any, ...]]:
    """``Module.__reduce__``: a module loaded from a file pickles as its
    path and hash (a few hundred bytes: a Dask scheduler sends it with
    every task), one loaded from bytes as its bytes; both with its options."""
    options: Dict[str, Any] = module._options
    check_picklable(module.name, options)
    origin: Origin = module._origin
    return (load, (origin.path, origin.sha256(module.name), origin.data, options))


def _options_key(options: Mapping[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in options.items()))


def load(path: Optional[str], sha256: str, data: Optional[bytes], options: Dict[str, Any]) -> Any:
    """Unpickles a module: this process's live instance of the same bytes
    and options, or a new one (read from ``path`` unless ``data`` is given,
    and checked against ``sha256``)."""
    assert _module_class is not None, "gowasm._module registers Module as it is imported"
    key = (sha256, _options_key(options))
    module = live(key)
    new = module is None
    if new:
        # Checked before the instance is made, and so before it is kept
        # under this hash for the next unpickling of the genuine module.
        wasm = _checked(data, sha256, options.get("name")) if data is not None else _read(
            path, sha256, options.get("name"))
        module = _module_class(wasm, **options)
        module._origin = Origin(path, None, sha256) if path is not None else Origin(None, wasm, sha256)
    keep(key, module, new)
    return module


def _read(path: Any, sha256: str, name: Any) -> bytes:
    import pickle

    advice = ("; copy it there, or pickle a module loaded from bytes (gowasm.Module(open(path, 'rb').read())), "
              "which carries its bytes")
    try:
        wasm = read_module_file(path)
    except (OSError, CompileError) as e:
        raise pickle.UnpicklingError("cannot unpickle gowasm.Module %s: its file %s cannot be read in this process "
                                     "(%s)%s" % (name, path, e, advice)) from e
    if sha256_of(wasm).hexdigest() != sha256:
        raise pickle.UnpicklingError("cannot unpickle gowasm.Module %s: its file %s is not the one pickled (its "
                                     "content differs)%s" % (name, path, advice))
    return wasm


def _checked(data: bytes, sha256: str, name: Any) -> bytes:
    import pickle

    if sha256_of(data).hexdigest() != sha256:
        raise pickle.UnpicklingError("cannot unpickle gowasm.Module %s: its bytes are not the bytes pickled (their "
                                     "SHA-256 differs): the pickle is damaged or forged" % name)
    return data


def token(module: Any) -> Tuple[Any, ...]:
    """A deterministic token for Dask: the bytes' hash and the options."""
    options = dict(module._options)
    for stream in ("stdin", "stdout", "stderr"):
        if options.get(stream) is not None and not isinstance(options[stream], int):
            options[stream] = "%s@%x" % (type(options[stream]).__name__, id(options[stream]))
    imports = options.pop("imports", None) or {}
    refs = sorted((m, f, "%s.%s" % (getattr(fn, "__module__", "?"), getattr(fn, "__qualname__", "?")))
                  for m, functions in imports.items() for f, fn in functions.items())
    return ("gowasm.Module", module._origin.sha256(module.name), _options_key(options), tuple(refs))

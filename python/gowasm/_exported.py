"""The static type of an export: :class:`ExportedFunction`."""

from typing import TYPE_CHECKING, Any, Iterable, Optional, Protocol, Tuple

if TYPE_CHECKING:
    from ._module import Module


class ExportedFunction(Protocol):
    """What ``m.sum`` (and ``m.exports["sum"]``) is, for type checkers.

    At run time an export is a generated Python function bound to its
    module (which makes it fast to call and lets it pickle as (module,
    name)); this Protocol names what every export offers. Typed exports
    (``m.greet.typed(str, returns=str)``, self-describing guests,
    ``Module.from_go``) have ``raw``, the wasm export they call, and take
    the typed convention's Python values.
    """

    #: The export's name in the module.
    name: str
    __name__: str
    #: Its signature, which Python's own errors name: ``sum(i32, i32) -> i32``.
    __qualname__: str
    #: Parameter types: wasm (``"i32"``...) or, typed, Python's (``"str"``...).
    params: Tuple[str, ...]
    #: Result types, as ``params``.
    results: Tuple[str, ...]
    #: ``sum(i32, i32) -> i32``.
    wasm_signature: str
    #: The :class:`~gowasm.Module` it belongs to.
    module: "Module"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Calls the export: ``m.sum(12, 12)``."""

    def call(self, *args: Any, timeout: Optional[float] = None) -> Any:
        """The call with a timeout of its own (seconds; None: the module's,
        0: none): past it :class:`gowasm.Timeout`. Every kind of export has
        it; a typed one's covers all the guest calls it makes."""

    def typed(self, *params: Any, returns: Any = None, names: Any = None,
              allocator: Optional[Tuple[str, str]] = None) -> "ExportedFunction":
        """A typed function of this export: str, bytes and JSON through the
        guest's memory (``m.greet.typed(str, returns=str)``)."""

    def map(self, *iterables: Iterable[Any], timeout: Optional[float] = None) -> Any:
        """``m.sum.map(xs, ys)``: the export called once per element (one
        iterable per parameter), in one crossing into the guest; a list, or
        a numpy array when an argument is one. (Vectorised calls: where this
        gowasm has them.) ``timeout``: seconds for the whole batch."""

    async def acall(self, *args: Any, timeout: Optional[float] = None) -> Any:
        """``await m.sum.acall(12, 12)``: the call, run off the event loop."""

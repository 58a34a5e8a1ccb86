"""What the prover's witness search needs from a fast executable form of a spec.

The evaluator (``evaluator.py``) is exact and slow (~2,500 ticks/s). The search runs the
spec compiled to Python instead (~100x faster) and replays every witness it keeps on the
evaluator. ``FastStepper`` states what such a compiled form provides. The Python
backend's generated controller is one (``compiler.backends.python.STEPPER``); the
pipeline hands it to the prover, so the prover imports no backend, and the backend
fulfils the protocol structurally, without importing it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..ir import nodes as ir


def _unreadable(what: str) -> Callable[..., str]:
    def read(*_: object) -> str:
        raise TypeError(f"internal error: {what} is not readable here")
    return read


@dataclass(frozen=True)
class Names:
    """How the names of an expression read in Python source: ``var(name, post)`` a
    variable (``post``: its value after the step), ``state(post)`` the control state's
    index, ``param(name)`` an event parameter, ``let(name)`` a tick let, ``accepted()``
    whether the step was accepted. A name without a reading raises TypeError."""

    var: Callable[[str, bool], str]
    state: Callable[[bool], str]
    param: Callable[[str], str] = field(default=_unreadable("an event parameter"))
    let: Callable[[str], str] = field(default=_unreadable("a tick let"))
    accepted: Callable[[], str] = field(default=_unreadable("`accepted`"))


class FastStepper(Protocol):
    """A spec compiled to fast Python: a controller class and an expression printer."""

    def controller(self, module: ir.Module) -> tuple[type, type[Exception]]:
        """The spec's controller class, and the exception its handlers raise on a
        rejected event.

        Instances may be made without ``__init__`` (``object.__new__(cls)``) and hold one
        configuration in ``cls.__slots__``: ``_state``, the control state's index (states
        ordered by ``index``), then one slot per variable of the module, in declaration
        order. ``instance.tick()`` runs a tick and returns a tuple whose last item,
        ``transition``, is the index of the tick transition that fired (None if none);
        ``cls._handlers[event](instance, *args)`` handles any other event (arguments in
        parameter order) and returns a result with ``status`` and ``transition``;
        ``cls.tick_lets(instance)`` is the next tick's lets (declaration order), computed
        without changing anything."""
        ...

    def expression(self, expr: ir.Expr, names: Names) -> str:
        """``expr`` as Python source, its names read as ``names`` says: an enum value is
        its member index, a bool a ``bool``, integers exact (``//`` and ``%`` floor)."""
        ...

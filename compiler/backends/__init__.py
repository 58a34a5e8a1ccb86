"""Code generators: every backend ``pumpspec build`` runs.

Each entry is a :class:`~compiler.backends.common.Backend` with a ``name`` and
``emit(module) -> {relative filename: text}``. Outputs of different backends must not
share a filename. To add a backend, append it to ``BACKENDS``.
"""
from __future__ import annotations

from .common import Backend, BackendError
from .python import BACKEND as PYTHON
from .verilog import BACKEND as VERILOG

BACKENDS: tuple[Backend, ...] = (PYTHON, VERILOG)

__all__ = ["BACKENDS", "Backend", "BackendError"]

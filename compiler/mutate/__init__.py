"""Mutation testing of a spec's properties: do they notice a change of behaviour?

``select(...)`` picks the mutants to run (``operators.generate`` makes them on the IR),
``campaign.run`` decides them (killed / survived / equivalent / unknown) on local
processes or a Dask cluster, the cheap kill (``replay``: the mutant's controller on fixed
traces of the original) before the prover; ``report`` counts and prints them; survivors
can be explained in a reviewed side file (``explanations``). See docs/mutate.md.
"""
from __future__ import annotations

import importlib
import random
from typing import TYPE_CHECKING

from .explanations import Explanation, ExplanationError, default_path, load
from .operators import Mutant, Operator, generate

if TYPE_CHECKING:
    from .campaign import Budget, Job, Outcome, Status, decide, prove_original, run
    from .report import Result, text, to_json

# The campaign (it loads the prover, the backends and z3) and the report load when first
# used: every `pumpspec` command builds the mutate command's parser, which needs Operator only.
_LAZY = {**dict.fromkeys(("Budget", "Job", "Outcome", "Status", "decide", "prove_original", "run"),
                         "campaign"),
         **dict.fromkeys(("Result", "text", "to_json"), "report")}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def select(mutants: list[Mutant], operators: tuple[Operator, ...] = (),
           near: tuple[str, ...] = (), limit: int | None = None, seed: int = 0) -> list[Mutant]:
    """The mutants to run: of the given operators (all if none), near one of the given
    requirement ids (all if none), at most ``limit`` of them drawn with ``seed``; the
    discarded ones are not run but stay in the counts."""
    chosen = [m for m in mutants
              if (not operators or m.operator in operators)
              and (not near or set(near) & set(m.requirements))]
    if limit is not None and limit < len(chosen):
        keep = set(id(m) for m in random.Random(seed).sample(chosen, limit))
        chosen = [m for m in chosen if id(m) in keep]
    return chosen


__all__ = ["Budget", "Explanation", "ExplanationError", "Job", "Mutant", "Operator", "Outcome",
           "Result", "Status", "decide", "default_path", "generate", "load", "prove_original", "run",
           "select",
           "text", "to_json"]

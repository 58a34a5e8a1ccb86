"""Explained survivors: a reviewed side file beside the spec.

``spec/infusion_pump.pump`` is explained by ``spec/infusion_pump.mutants.toml``:

    [[allow]]
    mutant = "persistent:acked"
    reason = "acked is cleared with the alarm it acknowledges; ..."

Each entry names one mutant by its exact id (no patterns: every explanation is about one
reviewed change) and says why its survival is harmless. A reason is required. An entry
whose mutant no longer exists or no longer survives is reported as stale, so the file
cannot silently outlive the behaviour it excuses.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


class ExplanationError(Exception):
    """The side file cannot be read or is malformed."""


@dataclass(frozen=True)
class Explanation:
    mutant: str
    reason: str


def default_path(spec: str | Path) -> Path:
    spec = Path(spec)
    return spec.with_name(spec.stem + ".mutants.toml")


def load(path: Path) -> dict[str, Explanation]:
    """The explanations of ``path`` by mutant id ({} when the file does not exist)."""
    if not path.exists():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ExplanationError(f"{path}: {exc}") from exc
    unknown = set(doc) - {"allow"}
    if unknown:
        raise ExplanationError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    out: dict[str, Explanation] = {}
    for i, entry in enumerate(doc.get("allow", []), 1):
        mutant, reason = entry.get("mutant"), entry.get("reason")
        if not isinstance(mutant, str) or not isinstance(reason, str) or not reason.strip() \
                or set(entry) - {"mutant", "reason"}:
            raise ExplanationError(f"{path}: [[allow]] entry {i} needs exactly a `mutant` id "
                                   "and a non-empty `reason`")
        if mutant in out:
            raise ExplanationError(f"{path}: mutant `{mutant}` is explained twice")
        out[mutant] = Explanation(mutant, " ".join(reason.split()))
    return out

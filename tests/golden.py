"""Golden files: expected output committed beside the tests, compared byte for byte.

With ``--update-golden`` (or PUMPSPEC_UPDATE_GOLDEN=1) the output is written instead of
compared. Without it a missing golden file is a failure, like a stale one: a new case
passes only once its expected output has been written and reviewed.
"""
from __future__ import annotations

from pathlib import Path


def check_golden(path: Path, actual: str, update: bool) -> None:
    if update:
        path.write_text(actual)
        return
    assert path.exists(), f"{path} is missing: run pytest --update-golden and review the new file"
    assert actual == path.read_text(), f"{path} is stale: run pytest --update-golden and review the diff"

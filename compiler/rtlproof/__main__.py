"""CI gate over `pumpspec prove-rtl --format json` output: ``python -m compiler.rtlproof FILE``.

Fails (exit 1) on any violated assertion, and on any unknown one that is not in the
documented open set below (docs/formal.md): a regression from proved to unknown fails CI.
An assertion proved by refinement (its task is ``refinement``) counts as proved.
"""
from __future__ import annotations

import fnmatch
import json
import sys

# Every assertion of the reference block is proved by full-width k-induction today: the
# documented open set is empty, so any unknown fails the gate.
KNOWN_OPEN: tuple[str, ...] = ()


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as f:
        result = json.load(f)  # the pumpspec/1 document of prove-rtl
    bad = [f"error: {result['error']}"] if result["error"] else []
    for doc in result["files"]:
        if "assertions" not in doc:
            bad.append(f"{doc['file']}: spec errors, nothing proved")
            continue
        for a in doc["assertions"]:
            if a["outcome"] == "violated":
                bad.append(f"violated: {a['label']} ({a['id']})")
            elif a["outcome"] == "unknown" and not any(
                    fnmatch.fnmatch(a["label"], g) for g in KNOWN_OPEN):
                bad.append(f"unknown (was proved): {a['label']} ({a['id']}): {a['detail']}")
        n = len(doc["assertions"])
        proved = sum(a["outcome"] == "proved" for a in doc["assertions"])
        refined = sum(a["outcome"] == "proved" and a["task"] == "refinement"
                      for a in doc["assertions"])
        print(f"{doc['file']}: {proved}/{n} proved at full width ({refined} by refinement), "
              f"{doc['seconds']} s")
    for b in bad:
        print(b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

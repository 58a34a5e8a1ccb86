"""A campaign's result: counts by operator, survivors in full, text and JSON."""
from __future__ import annotations

from dataclasses import dataclass, field

from .campaign import Outcome, Status
from .explanations import Explanation
from .operators import Mutant, Operator

COLUMNS = ("generated", "discarded", "killed", "survived", "explained", "equivalent", "unknown")


@dataclass
class Result:
    pump: str
    file: str
    mutants: list[Mutant]  # every generated mutant, discarded ones included
    outcomes: dict[str, Outcome]  # by mutant id: the mutants that were run
    explanations: dict[str, Explanation]
    seconds: float
    workers: str
    selected: set[str] = field(default_factory=set)  # ids run (after --operators etc.)

    def status(self, m: Mutant) -> str | None:
        """killed / survived / explained / equivalent / unknown; None if not run."""
        o = self.outcomes.get(m.id)
        if o is None:
            return None
        if o.status == Status.SURVIVED and m.id in self.explanations:
            return "explained"
        return str(o.status)

    def with_status(self, status: str) -> list[Mutant]:
        return [m for m in self.mutants if self.status(m) == status]

    def counts(self) -> dict[str, dict[str, int]]:
        table = {str(op): dict.fromkeys(COLUMNS, 0) for op in Operator}
        for m in self.mutants:
            if m.id not in self.selected:
                continue
            row = table[str(m.operator)]
            row["generated"] += 1
            status = "discarded" if m.discarded else self.status(m)
            if status:
                row[status] += 1
        table["total"] = {c: sum(row[c] for row in table.values()) for c in COLUMNS}
        return table

    @property
    def stale(self) -> list[Explanation]:
        """Explanations of a mutant that does not exist or did not survive this run (only
        judged for the mutants that ran)."""
        ids = {m.id: m for m in self.mutants}
        return [e for e in self.explanations.values()
                if e.mutant not in ids or (e.mutant in self.outcomes
                                           and self.outcomes[e.mutant].status != Status.SURVIVED)]

    @property
    def per_minute(self) -> float:
        return len(self.outcomes) * 60 / self.seconds if self.seconds > 0 else 0.0

    def exit_code(self) -> int:
        """1 when an unexplained survivor remains, else 2 when a mutant is unknown, else 0."""
        if self.with_status("survived"):
            return 1
        if self.with_status("unknown"):
            return 2
        return 0


def text(r: Result) -> str:
    lines = [f"mutate {r.pump} ({r.file}): {len(r.outcomes)} mutants decided in "
             f"{r.seconds:.1f}s ({r.per_minute:.1f} per minute, {r.workers})", ""]
    head = ["operator"] + list(COLUMNS)
    rows = [[op] + [str(n) for n in row.values()] for op, row in r.counts().items()
            if row["generated"] or op == "total"]
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    for row in [head] + rows:
        lines.append("  ".join([row[0].ljust(widths[0])] +
                               [x.rjust(w) for x, w in zip(row[1:], widths[1:], strict=True)]))
    for title, status in (("survived (no property noticed the change)", "survived"),
                          ("unknown (undecided within the work bound)", "unknown"),
                          ("explained survivors", "explained")):
        mutants = r.with_status(status)
        if not mutants:
            continue
        lines += ["", f"{title}: {len(mutants)}"]
        for m in mutants:
            lines.append(f"  {m.id}")
            lines.append(f"    {m.diff}")
            lines.append(f"    near: {', '.join(m.requirements) or '-'}")
            if status == "explained":
                lines.append(f"    explained: {r.explanations[m.id].reason}")
            elif status == "unknown":
                lines.append(f"    {r.outcomes[m.id].detail}")
    if r.stale:
        lines += ["", f"stale explanations (their mutant is gone or no longer survives): "
                  f"{len(r.stale)}"]
        lines += [f"  {e.mutant}" for e in r.stale]
    return "\n".join(lines)


def to_json(r: Result) -> dict:
    def entry(m: Mutant) -> dict:
        o = r.outcomes.get(m.id)
        d = {"id": m.id, "operator": str(m.operator), "where": m.where, "before": m.before,
             "after": m.after, "diff": m.diff, "requirements": list(m.requirements),
             "outcome": "discarded" if m.discarded else r.status(m)}
        if m.discarded:
            d["discarded"] = m.discarded
        if o is not None:
            d |= {"checks": list(o.checks), "detail": o.detail, "seconds": round(o.seconds, 3)}
            if o.trace:
                d["trace"] = list(o.trace)
        if m.id in r.explanations:
            d["explanation"] = r.explanations[m.id].reason
        return d

    return {
        "pump": r.pump, "file": r.file, "seconds": round(r.seconds, 3),
        "mutants_per_minute": round(r.per_minute, 1), "workers": r.workers,
        "exit": r.exit_code(), "operators": r.counts(),
        "mutants": [entry(m) for m in r.mutants if m.id in r.selected],
        "stale_explanations": [e.mutant for e in r.stale],
    }

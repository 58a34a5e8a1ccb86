"""The figures of closed-loop runs: a table (markdown), a plot per run and one per
algorithm comparing its runs through each pump (PNG)."""
from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from .harness import DOSE_LIMIT  # noqa: E402
from .simulation import Run  # noqa: E402

COLUMNS = ("patient", "algorithm", "pump", "ran", "70-180", "<70", "<54", "proposed U",
           "delivered U", "clamped U", "clamps", "refusals by requirement")


def table(runs: list[Run]) -> str:
    """One markdown row per run: time in range and below 70 and 54 mg/dL (share of the
    model's minutes), insulin proposed, delivered and clamped (a rate capped to the
    envelope, steps withheld by a dose limit), clamps and refusals counted by requirement.
    ``ran`` is the hours simulated, and why a run ended early: the model's glucose above
    600 or below 10 mg/dL."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    for run in runs:
        m = run.metrics()
        refusals = ", ".join(f"{key} × {n}" for key, n in sorted(m["refusals"].items())) or "none"
        clamps = ", ".join(f"{key} × {n}" for key, n in sorted(m["clamps"].items())) or "none"
        ran = f"{len(run.bg) / 60:.1f} h"
        if run.ended is not None:
            ran += " (ended > 600)" if run.bg[-1] > 600 else " (ended < 10)"
        cells = (run.patient, run.algorithm, run.envelope, ran, f"{m['in range 70-180']:.1%}",
                 f"{m['below 70']:.1%}", f"{m['below 54']:.1%}", f"{m['proposed U']:.1f}",
                 f"{m['delivered U']:.1f}",
                 *(("—", "—") if run.envelope == "none" else (f"{m['clamped U']:.1f}", clamps)),
                 refusals)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(run: Run, path: Path) -> Path:
    """Glucose (model and CGM), insulin delivered (U/h) and meals, refusals and clamps,
    over the run's hours."""
    hours = [minute / 60 for minute in range(len(run.bg))]
    fig, (glucose, insulin, events) = plt.subplots(
        3, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2, 1.2]})
    glucose.axhspan(70, 180, color="tab:green", alpha=0.12, label="70-180 mg/dL")
    glucose.axhline(54, color="tab:red", lw=0.8, ls="--", label="54 mg/dL")
    glucose.plot(hours, run.bg, color="black", lw=1, label="glucose (model)")
    glucose.plot([m / 60 for m, _ in run.cgm], [v for _, v in run.cgm], ".", ms=2,
                 color="tab:blue", label="CGM")
    glucose.set_ylabel("mg/dL")
    glucose.legend(loc="upper right", fontsize=7, ncol=4)
    glucose.set_title(run.label, fontsize=10)
    insulin.fill_between(hours, [u * 60 for u in run.insulin], step="post", color="tab:purple",
                         alpha=0.6, lw=0, label="insulin delivered (U/h)")
    insulin.set_ylabel("U/h")
    meals = insulin.twinx()
    meal_minutes = [(m / 60, g) for m, g in enumerate(run.cho) if g > 0]
    meals.bar([h for h, _ in meal_minutes], [g for _, g in meal_minutes], width=0.05,
              color="tab:orange", label="carbohydrates (g/min)")
    meals.set_ylabel("g/min")
    insulin.legend(loc="upper left", fontsize=7)
    meals.legend(loc="upper right", fontsize=7)
    keys = sorted({r.key for r in run.refusals})
    causes = sorted({c.by for c in run.clamps})
    for row, key in enumerate(keys):
        times = [r.minute / 60 for r in run.refusals if r.key == key]
        events.plot(times, [row] * len(times), "|", ms=8, color="tab:red")
    for row, cause in enumerate(causes, start=len(keys)):
        times = [c.minute / 60 for c in run.clamps if c.by == cause]
        events.plot(times, [row] * len(times), "|", ms=8, color="tab:brown")
    rows = [f"refused {k}" for k in keys] + [f"clamped {c}" for c in causes]
    events.set_yticks(range(len(rows)), rows, fontsize=7)
    events.set_ylim(-0.7, len(rows) - 0.3)
    events.set_xlabel("hours")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def comparison_plot(runs: list[Run], path: Path) -> Path:
    """One algorithm's runs side by side, a panel per patient: the model's glucose (solid)
    and the insulin delivered so far (dashed, right axis) through each pump, the
    envelopes' and simglucose's own ("none")."""
    patients = list(dict.fromkeys(run.patient for run in runs))
    fig, axes = plt.subplots(len(patients), 1, figsize=(11, 2.6 * len(patients) + 0.6),
                             sharex=True, squeeze=False)
    colours = dict(zip(dict.fromkeys(run.envelope for run in runs),
                       ("tab:blue", "tab:orange", "tab:green", "tab:purple"), strict=False))
    colours["none"] = "dimgray"
    for glucose, patient in zip(axes[:, 0], patients, strict=True):
        glucose.axhspan(70, 180, color="tab:green", alpha=0.1)
        glucose.axhline(54, color="tab:red", lw=0.8, ls="--")
        insulin = glucose.twinx()
        for run in (r for r in runs if r.patient == patient):
            hours = [minute / 60 for minute in range(len(run.bg))]
            glucose.plot(hours, run.bg, color=colours[run.envelope], lw=1,
                         label=f"glucose, {run.envelope}")
            total, cumulative = 0.0, []
            for units in run.insulin:
                total += units
                cumulative.append(total)
            insulin.plot(hours, cumulative, color=colours[run.envelope], lw=0.8, ls="--",
                         label=f"insulin, {run.envelope}")
        glucose.set_ylabel(f"{patient}\nmg/dL", fontsize=8)
        insulin.set_ylabel("U delivered", fontsize=8)
        glucose.legend(loc="upper left", fontsize=7)
        insulin.legend(loc="upper right", fontsize=7)
    axes[0, 0].set_title(runs[0].algorithm, fontsize=10)
    axes[-1, 0].set_xlabel("hours")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def refusals_csv(run: Run, path: Path) -> Path:
    """Every refusal of a run (minute, event, the quantity proposed, reason code,
    requirement, text) and every clamp (the insulin withheld, and by what), one row each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(("minute", "what", "event", "proposed", "code", "requirement", "text"))
        for r in run.refusals:
            rows.writerow((r.minute, "refused", r.event, r.proposed, r.code, r.requirement or "", r.text))
        for c in run.clamps:
            rows.writerow((c.minute, "clamped", "", f"{c.units} U withheld", "",
                           "" if c.by.startswith(DOSE_LIMIT) else c.by,
                           f"withheld at a tick: {c.by}" if c.by.startswith(DOSE_LIMIT)
                           else "the proposed rate was capped to the envelope"))
    return path

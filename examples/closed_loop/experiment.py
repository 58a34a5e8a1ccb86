"""Side-by-side runs: each algorithm through the spec's generated controller and through
simglucose's own pump model, on the same patients, seeds and meals."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import pumpspec

from .adapters import ADAPTERS
from .algorithms import ALGORITHMS
from .harness import SpecPump
from .report import comparison_plot, plot, refusals_csv, table
from .simulation import Run, simulate


@dataclass
class Comparison:
    runs: list[Run]
    table: str
    plots: list[Path]


class Generated(NamedTuple):
    """A spec's pump name, its controller generated in memory (never a possibly stale
    file in generated/) and its constants by name, in base units (for an Envelope)."""

    pump: str
    controller: ModuleType
    constants: dict[str, Any]


def generated_controller(spec: Path | str) -> Generated:
    module = pumpspec.load(spec)
    return Generated(module.name, pumpspec.controller(module),
                     {constant.name: constant.value for constant in module.constants})


def adapter_for(pump: str):
    if pump not in ADAPTERS:
        raise SystemExit(f"no adapter for pump {pump} (examples/closed_loop/adapters.py has "
                         f"{', '.join(ADAPTERS)})")
    return ADAPTERS[pump]


def compare(specs: list[Path], patients: list[str], algorithms: list[str], hours: float,
            seed: int, out: Path) -> Comparison:
    """Each algorithm on each patient through each spec's controller, then through
    simglucose's own pump model (no envelope); a plot per run and per algorithm
    (``comparison-<algorithm>.png``)."""
    pumps = []
    for spec in specs:
        generated = generated_controller(spec)
        pumps.append((generated, adapter_for(generated.pump)))
    runs, plots = [], []
    for patient in patients:
        for key in algorithms:
            name, make = ALGORITHMS[key]
            for pump in [SpecPump(generated.controller, adapter, generated.constants)
                         for generated, adapter in pumps] + [None]:
                run = simulate(patient, make(), name, hours, seed, pump)
                runs.append(run)
                stem = f"{patient.replace('#', '')}-{key}-{run.envelope}".lower()
                plots.append(plot(run, out / f"{stem}.png"))
                if pump is not None:
                    refusals_csv(run, out / f"{stem}-refusals.csv")
    for key in algorithms:
        name = ALGORITHMS[key][0]
        plots.append(comparison_plot([run for run in runs if run.algorithm == name],
                                     out / f"comparison-{key}.png"))
    text = table(runs)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.md").write_text(text + "\n", encoding="utf-8")
    return Comparison(runs, text, plots)

"""The spec's state diagram: Graphviz dot source generated from the IR, rendered to SVG
by ``dot``.

One node per state, in declaration order; the initial state gets an entry arrow, a
state entered by a transition that latches an alarm is drawn as an alarm state. One
edge per (source, target) pair, labelled with every transition between them: its number,
its event and the requirement ids of its guards' reject reasons (``#15 bolus [PS-22,
PS-24]``). A transition without a target keeps its state (a self-loop). A transition
latching an alarm is drawn red. The text is a function of the IR alone (no dict or set
order), so the same spec gives byte-identical dot source.
"""
from __future__ import annotations

import shutil
import subprocess

from ..ir import nodes as ir

ALARM_COLOUR = "#b42318"


class DiagramError(Exception):
    """``dot`` is missing or failed."""


def latches_alarm(module: ir.Module, t: ir.Transition) -> bool:
    """Whether ``t`` sets an alarm variable to true."""
    alarms = {v.name for v in module.variables if v.role == ir.Role.ALARM}
    return any(u.var in alarms and isinstance(u.value, ir.Lit) and u.value.value is True
               for u in t.updates)


def alarm_states(module: ir.Module) -> tuple[str, ...]:
    targets = {t.target for t in module.transitions
               if t.target is not None and latches_alarm(module, t)}
    return tuple(s.name for s in module.states if s.name in targets)


def guard_requirements(t: ir.Transition) -> tuple[str, ...]:
    """The requirement ids of ``t``'s guards' reject reasons, each once, in guard order."""
    return tuple(dict.fromkeys(g.reason.requirement for g in t.guards
                               if g.reason is not None and g.reason.requirement))


def transition_label(t: ir.Transition) -> str:
    reqs = guard_requirements(t)
    return f"#{t.index} {t.event}" + (f" [{', '.join(reqs)}]" if reqs else "")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(module: ir.Module) -> str:
    alarm = set(alarm_states(module))
    edges: dict[tuple[str, str], list[ir.Transition]] = {}
    for t in module.transitions:
        for source in t.sources:
            edges.setdefault((source, t.target or source), []).append(t)
    lines = [
        f"digraph {_quote(module.name)} {{",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=0.6, '
        'bgcolor="transparent"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#344054", '
        'fontname="Helvetica", fontsize=12];',
        '  edge [fontname="Helvetica", fontsize=9, color="#667085", arrowsize=0.7];',
        '  "__initial" [shape=point, width=0.15, label="", color="#344054"];',
    ]
    for s in module.states:
        attrs = [f"label={_quote(s.name)}", f"id={_quote('state-' + s.name)}"]
        if s.name == module.initial:
            attrs.append("penwidth=2")
        if s.name in alarm:
            attrs += [f'color="{ALARM_COLOUR}"', 'fillcolor="#fef3f2"', "penwidth=2"]
        lines.append(f"  {_quote(s.name)} [{', '.join(attrs)}];")
    lines.append(f"  \"__initial\" -> {_quote(module.initial)};")
    order = {s.name: s.index for s in module.states}
    for (source, target), ts in sorted(edges.items(),
                                       key=lambda kv: (order[kv[0][0]], order[kv[0][1]])):
        label = "\\n".join(_quote(transition_label(t))[1:-1] for t in ts)
        attrs = [f'label="{label}"',
                 f"tooltip={_quote('; '.join(t.label for t in ts))}"]
        if any(latches_alarm(module, t) for t in ts):
            attrs += [f'color="{ALARM_COLOUR}"', f'fontcolor="{ALARM_COLOUR}"']
        lines.append(f"  {_quote(source)} -> {_quote(target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def find_dot() -> str:
    """The Graphviz ``dot`` executable; DiagramError when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise DiagramError("Graphviz `dot` is not installed (Debian: apt-get install graphviz)")
    return exe


def render_svg(dot: str, timeout: float = 60.0) -> str:
    """``dot`` rendered by Graphviz as an inline ``<svg>`` element (the XML prologue and
    doctype removed)."""
    exe = find_dot()
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramError(f"Graphviz `dot` failed: {exc}") from exc
    if done.returncode != 0:
        raise DiagramError(f"Graphviz `dot` failed: {done.stderr.strip()}")
    svg = done.stdout
    return svg[svg.index("<svg"):]

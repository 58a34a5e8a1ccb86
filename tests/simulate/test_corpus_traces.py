"""Every trace that belongs to a corpus spec replays on its generated controller with the
monitor on: every expectation written in the trace holds and no check is violated.
Traces of more than LONG_TRACE_TICKS ticks (days of basal, the wear alarm) replay in the
long tier."""
from __future__ import annotations

import pytest

from compiler.cli import main
from compiler.pipeline import load_module
from compiler.simulate import read_trace

LONG_TRACE_TICKS = 20_000


def _replay(spec, traces, long: bool, capsys) -> None:
    module = load_module(spec)
    for trace in traces:
        ticks = sum(s.repeat for s in read_trace(str(trace), module).steps if s.event == "tick")
        if (ticks > LONG_TRACE_TICKS) != long:
            continue
        code = main(["simulate", str(spec), str(trace), "--monitor"])
        out = capsys.readouterr()
        assert code == 0, f"{trace.name}:\n{out.out}\n{out.err}"


def test_corpus_traces_replay_with_the_monitor(corpus_spec, corpus_traces_of, capsys):
    _replay(corpus_spec, corpus_traces_of(corpus_spec), False, capsys)


@pytest.mark.long
def test_long_corpus_traces_replay_with_the_monitor(corpus_spec, corpus_traces_of, capsys):
    _replay(corpus_spec, corpus_traces_of(corpus_spec), True, capsys)

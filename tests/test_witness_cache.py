"""compiler/pipeline.py: the witness cache the lockstep benches share (reachability_witnesses)."""
from __future__ import annotations

from compiler import pipeline
from compiler import trace as tr

from irfixtures import ROOT

SPEC = ROOT / "spec" / "minimal_pump.pump"


def _texts(module, traces) -> list[str]:
    return [tr.to_json(t, module) for t in traces]


def test_cached_witnesses_are_the_searched_ones(tmp_path, monkeypatch):
    module = pipeline.load_module(SPEC)
    monkeypatch.delenv(pipeline.WITNESS_CACHE_ENV, raising=False)
    searched = _texts(module, pipeline.reachability_witnesses(module, 1_000))
    assert searched

    monkeypatch.setenv(pipeline.WITNESS_CACHE_ENV, str(tmp_path))
    first = _texts(module, pipeline.reachability_witnesses(module, 1_000))
    (stored,) = tmp_path.glob("*.json")
    assert not list(tmp_path.glob("*.tmp"))
    again = _texts(module, pipeline.reachability_witnesses(module, 1_000))
    assert first == searched and again == searched

    # another bound is another entry; a cached entry is what is read back
    pipeline.reachability_witnesses(module, 10)
    assert len(list(tmp_path.glob("*.json"))) == 2
    stored.write_text("[]")
    assert pipeline.reachability_witnesses(module, 1_000) == []

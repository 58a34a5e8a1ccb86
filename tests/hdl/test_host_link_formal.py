"""Formal proof of the host link's frame layer (hdl/host_link.v, its `ifdef FORMAL section):
a frame that fails its CRC (or its length) never raises the block's ev_valid and changes
nothing but the response register (f_crc_gate, f_frozen); a raised event carries the
checked frame's fields and is held until taken (f_hold); a sequence number once executed
is never executed again while it lies within the window behind the last executed one
(f_replay: retransmits and replays A, B, A). k-induction at the widths of the generated
block's event port. Mutants of the link: BMC must find each one's violation of its
property, or, where the violation takes three frames (too deep for BMC in minutes), the
proof must fail on that property (the counterexample is then a cocotb test's,
verification/cocotb_host_link.py::replay_is_refused).
"""
from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from compiler.rtlproof import SBY_FLAGS, solver, toolchain_missing

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / "hdl" / "host_link.v"
BLOCK = ROOT / "generated" / "infusion_pump.v"

# The formal tier (tox -e formal) runs it: about 10 s of SymbiYosys that the default unit
# run (-m "not formal") does without.
pytestmark = pytest.mark.formal


@pytest.fixture(autouse=True)
def _toolchain():
    missing = toolchain_missing()
    assert missing is None, f"{missing} is not on PATH: install the formal extra (pip install -e '.[formal]')"


FRESH_RULE = "wire is_fresh = !have_last || (seq_ahead != 8'd0 && seq_ahead <= WINDOW);"
# name -> (text, its replacement, the property that must fail, how: "bmc" (a counterexample
# within 20 cycles: two frames and a block response) or "prove" (the induction fails on it))
MUTANTS = {
    # the CRC check skipped: a corrupted frame reaches the block
    "no_crc_check": ("else if (!crc_ok) r_status <= ST_BAD_CRC;",
                     "else if (1'b0) r_status <= ST_BAD_CRC;", "f_crc_gate", "bmc"),
    # the sequence rule dropped: a frame with the last seq and other fields executes again
    "no_sequence_check": (FRESH_RULE, "wire is_fresh = 1'b1;", "f_replay", "bmc"),
    # the link's old rule, the last seq only: a replay A, B, A executes A twice (three
    # frames: 25 cycles)
    "last_seq_only": (FRESH_RULE, "wire is_fresh = !have_last || seq_ahead != 8'd0;",
                      "f_replay", "prove"),
}


def port_widths(block: Path) -> dict[str, int]:
    """CODE_W, PARAM_W, REASON_W: the widths of the block's event port (its top module)."""
    text = block.read_text()
    top = text[text.rindex("\nmodule "):]
    out = {}
    for param, port in (("CODE_W", "ev_code"), ("PARAM_W", "ev_params"),
                        ("REASON_W", "resp_reason")):
        m = re.search(rf"\[(\d+):0\]\s+{port}\b", top)
        assert m, f"{block.name}: no {port} port"
        out[param] = int(m.group(1)) + 1
    return out


def run_sby(work: Path, source: str, mode: str, depth: int, only: str | None) -> str:
    """One SymbiYosys job on host_frame: every assertion, or ``only`` that one (a mutant
    must violate that property, not a helper invariant; BMC without the others, which
    would make the solver prove the two CRC computations equal at every step, is fast)."""
    work.mkdir(parents=True)
    (work / "host_link.v").write_text(source)
    sets = " ".join(f"-set {k} {v}" for k, v in port_widths(BLOCK).items())
    (work / "job.sby").write_text("\n".join([
        "[options]", f"mode {mode}", f"depth {depth}", "",
        "[engines]", f"smtbmc {solver()}", "",
        "[script]", "read -formal host_link.v", f"chparam {sets} host_frame",
        "prep -top host_frame",
        *([] if only is None else [f"chformal -assert -remove host_frame/f_* host_frame/{only} %d"]),
        "",
        "[files]", "host_link.v", ""]))
    proc = subprocess.run(["yowasp-sby", "-f", *SBY_FLAGS, "job.sby"], cwd=work,
                          capture_output=True, text=True, timeout=600)
    return proc.stdout


def test_frame_layer_proof_and_mutants(tmp_path):
    source = LINK.read_text()
    jobs = {"proof": (source, "prove", 3, None)}
    for name, (old, new, label, how) in MUTANTS.items():
        assert source.count(old) == 1, f"mutant {name} does not apply"
        jobs[name] = (source.replace(old, new), how, 20, label) if how == "bmc" else \
            (source.replace(old, new), "prove", 3, None)
    with ThreadPoolExecutor(max_workers=2) as pool:
        logs = dict(zip(jobs, pool.map(lambda kv: run_sby(tmp_path / kv[0], *kv[1]),
                                       jobs.items()), strict=True))
    assert "DONE (PASS, rc=0)" in logs["proof"], logs["proof"][-3000:]
    assert "successful proof by k-induction" in logs["proof"]
    for name, (_, _, label, how) in MUTANTS.items():
        assert ("DONE (FAIL" if how == "bmc" else "DONE (UNKNOWN") in logs[name], \
            (name, logs[name][-2000:])
        assert re.search(rf"failed assertion host_frame\.{label}\b", logs[name]), \
            (name, logs[name][-2000:])

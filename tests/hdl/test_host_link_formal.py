"""Formal proof of the host link's frame layer (hdl/host_link.v, its `ifdef FORMAL section):
a frame that fails its CRC (or its length) never raises the block's ev_valid, a raised
event carries the checked frame's fields and is held until taken, and two events handed
to the block one after the other never carry the same sequence number. k-induction at
the widths of the generated block's event port; two mutants of the link must be caught.
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


MUTANTS = {
    # the CRC check skipped: a corrupted frame reaches the block
    "no_crc_check": ("else if (!crc_ok) r_status <= ST_BAD_CRC;",
                     "else if (1'b0) r_status <= ST_BAD_CRC;", "f_crc_gate"),
    # the duplicate rule dropped: a retransmitted frame executes again
    "no_duplicate_check": ("wire is_duplicate = have_last && rx_seq == last_seq;",
                           "wire is_duplicate = 1'b0;", "f_once"),
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


def run_sby(work: Path, source: str, mode: str, depth: int, invariants: bool) -> str:
    """One SymbiYosys job on host_frame; without ``invariants`` only the three properties
    are asserted (a mutant must violate one of them, not just a helper invariant)."""
    work.mkdir(parents=True)
    (work / "host_link.v").write_text(source)
    sets = " ".join(f"-set {k} {v}" for k, v in port_widths(BLOCK).items())
    (work / "job.sby").write_text("\n".join([
        "[options]", f"mode {mode}", f"depth {depth}", "",
        "[engines]", f"smtbmc {solver()}", "",
        "[script]", "read -formal host_link.v", f"chparam {sets} host_frame",
        "prep -top host_frame", *([] if invariants else ["chformal -assert -remove */f_inv_*"]), "",
        "[files]", "host_link.v", ""]))
    proc = subprocess.run(["yowasp-sby", "-f", *SBY_FLAGS, "job.sby"], cwd=work,
                          capture_output=True, text=True, timeout=600)
    return proc.stdout


def test_frame_layer_proof_and_mutants(tmp_path):
    source = LINK.read_text()
    jobs = {"proof": (source, "prove", 3, True)}
    for name, (old, new, _) in MUTANTS.items():
        assert source.count(old) == 1, f"mutant {name} does not apply"
        jobs[name] = (source.replace(old, new), "bmc", 20, False)  # two frames, a handshake
    with ThreadPoolExecutor(max_workers=2) as pool:
        logs = dict(zip(jobs, pool.map(lambda kv: run_sby(tmp_path / kv[0], *kv[1]),
                                       jobs.items()), strict=True))
    assert "DONE (PASS, rc=0)" in logs["proof"], logs["proof"][-3000:]
    assert "successful proof by k-induction" in logs["proof"]
    for name, (_, _, label) in MUTANTS.items():
        assert "DONE (FAIL" in logs[name], (name, logs[name][-2000:])
        assert re.search(rf"failed assertion host_frame\.{label}\b", logs[name]), \
            (name, logs[name][-2000:])

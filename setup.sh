#!/usr/bin/env bash
# Set everything up (Icarus Verilog, .venv) and run pumpspec's main job on the
# reference spec: check -> prove -> build -> simulate -> short lockstep on the RTL.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
SPEC=spec/infusion_pump.pump
OUT="${PUMPSPEC_OUT:-out}"

step() { printf '\n== %s\n' "$*"; }

step "pumpspec check $SPEC"
pumpspec check "$SPEC"

if pumpspec prove --help >/dev/null 2>&1; then
    step "pumpspec prove $SPEC"
    pumpspec prove "$SPEC" --trace-out "$OUT/traces"
fi

if pumpspec build --help >/dev/null 2>&1; then
    step "pumpspec build $SPEC --out $OUT/generated"
    pumpspec build "$SPEC" --out "$OUT/generated"
fi

if pumpspec simulate --help >/dev/null 2>&1; then
    step "pumpspec simulate $SPEC spec/examples/traces/infusion_pump-first_day.trace"
    pumpspec simulate "$SPEC" spec/examples/traces/infusion_pump-first_day.trace --monitor
fi

if pumpspec lockstep --help >/dev/null 2>&1; then
    step "pumpspec lockstep $SPEC: generated Verilog vs the Python controller (Icarus)"
    pumpspec lockstep "$SPEC" --work "$OUT/lockstep"
fi
printf '\nall done: outputs in %s/\n' "$OUT"

#!/usr/bin/env bash
# Run the test suite; sets up first if needed (scripts/bootstrap.sh: the system packages and
# .venv with pumpspec and every extra).
#
# Without arguments, the default run: scripts/lint.sh (ruff, the import contract), then one
# pytest session over tests/ and verification/, its tests spread over one worker process per
# core (pytest-xdist, work stealing). It takes every corpus spec through check, prove, build,
# Icarus and Verilator, the formal section's listing, the short lockstep and its traces; the
# tiers behind a flag are not in it: --formal (prove-rtl of every corpus spec, the RTL
# mutants, the host link's frame proof), --long, --hardware.
# Arguments go to that pytest session instead of the lint, e.g.
#   ./test.sh -k parser
#   ./test.sh --formal -m formal      # the formal tier alone (.ci/run runs it after the default run)
# With `-e ENV` first, tox runs that env (tox.ini: unit, lint, fresh, sim, formal, closedloop,
# hardware), each with only its extras, e.g. ./test.sh -e formal -- --long
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
if [ "${1:-}" = "-e" ]; then
    exec tox "$@"
fi
export PYTHONHASHSEED=0
# the lockstep benches of one spec share its reachability witnesses (compiler/pipeline.py),
# searched once per run: a fresh folder, so a run never reads another run's
PUMPSPEC_WITNESS_CACHE="$(mktemp -d)"
export PUMPSPEC_WITNESS_CACHE
trap 'rm -rf "$PUMPSPEC_WITNESS_CACHE"' EXIT
if [ "$#" -eq 0 ]; then
    scripts/lint.sh
fi
python -m pytest -q -n auto --dist worksteal verification tests "$@"

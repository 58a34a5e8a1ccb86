#!/usr/bin/env bash
# Run the test suite; sets up first if needed (scripts/bootstrap.sh: the system packages and
# .venv with pumpspec and every extra).
#
# Without arguments, the default run: scripts/lint.sh (ruff, the import contract), then one
# pytest session over tests/ and verification/ with the formal tier (prove-rtl of every
# corpus spec outside conftest.py's RTL_LONG, the RTL mutants, the host link's frame
# proof), its tests spread over one worker process per core (pytest-xdist, work stealing).
# The long and hardware tiers are not in it. Arguments go to pytest in that session, e.g.
#   ./test.sh -k parser
# With `-e ENV` as the first argument, tox runs that env instead (tox.ini: unit, lint,
# fresh, sim, formal, closedloop, hardware), e.g. ./test.sh -e formal -- --long
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
scripts/lint.sh
python -m pytest -q -n auto --dist worksteal --formal verification tests "$@"

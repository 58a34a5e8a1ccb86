#!/usr/bin/env bash
# Run the whole test suite (tox: unit, lint, fresh, sim, formal). Sets up first if needed.
# Without arguments the envs run two at a time (tox run-parallel: the unit tests beside
# the simulations and the formal proofs, one per core); the output of each env is printed
# when it ends. Extra arguments go to tox as given, e.g. ./test.sh -e unit -- -k parser
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
if [ "$#" -eq 0 ]; then
    exec tox run-parallel --parallel 2 --parallel-no-spinner
fi
exec tox "$@"

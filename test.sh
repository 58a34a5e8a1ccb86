#!/usr/bin/env bash
# Run the whole test suite (tox: unit, sim, lint, fresh, ...). Sets up first if needed.
# Extra arguments go to tox, e.g. ./test.sh -e unit -- -k parser
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
exec tox "$@"

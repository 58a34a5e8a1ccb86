#!/usr/bin/env bash
# The static checks of the default run and of tox's lint env: ruff over the Python, and the
# import contract of .importlinter (the compiler's layers).
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check compiler tests verification bench examples
lint-imports

# Sourced by setup.sh and test.sh: installs what pumpspec needs on a fresh
# Debian/Ubuntu machine (Python 3.11+), idempotently.
#   system: Icarus Verilog (cocotb simulations), Graphviz (`pumpspec report`'s diagram),
#           Chromium (the report's browser test), python3-venv
#   Python: .venv with pumpspec (editable), its test tools (incl. tox) and the extras
#           formal (yosys, nextpnr, yices) and closedloop (simglucose)
set -euo pipefail

PUMPSPEC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$PUMPSPEC_ROOT/.venv"

_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "pumpspec: need root to run: $*" >&2; return 1
    fi
}

_apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "pumpspec: installing ${missing[*]} (apt)"
    _as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive _as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_system() {
    command -v iverilog >/dev/null 2>&1 || _apt_install iverilog
    command -v dot >/dev/null 2>&1 || _apt_install graphviz
    command -v chromium >/dev/null 2>&1 || _apt_install chromium
    python3 -c 'import venv, ensurepip' 2>/dev/null || _apt_install python3-venv
}

ensure_venv() {
    local stamp="$VENV/.pumpspec-installed"
    # tox 4 may leave a `.venv` *file* naming its last env; that is not our virtualenv.
    if [ -e "$VENV" ] && [ ! -d "$VENV" ]; then
        rm -f "$VENV"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    if [ ! -f "$stamp" ] || [ "$PUMPSPEC_ROOT/pyproject.toml" -nt "$stamp" ]; then
        echo "pumpspec: installing Python packages into .venv"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e "$PUMPSPEC_ROOT[test,formal,closedloop]" tox
        touch "$stamp"
    fi
}

ensure_system
ensure_venv
export PATH="$VENV/bin:$PATH"

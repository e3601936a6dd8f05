# shellcheck shell=bash
# Sourced by ./make-guide and ./run-tests: makes sure the machine has what the
# tool needs, installing it on first run, then stays quiet on later runs.
#   - Debian packages: fonts (Noto Sans, Noto Sans CJK), Pango, HarfBuzz's
#     subsetter (without it Chinese PDFs take ~30x longer, see README).
#   - a virtual environment in .venv with the project installed (editable): what
#     building needs for ./make-guide, plus the test tools for ./run-tests.

set -euo pipefail

MG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MG_VENV="${MAKE_GUIDE_VENV:-$MG_ROOT/.venv}"

# WeasyPrint's native libraries, the fonts the templates ask for, and GNU
# gettext (the tests check catalogs with msgfmt, as translators' tools do).
MG_DEBS=(fontconfig fonts-noto-core fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
         libharfbuzz0b libharfbuzz-subset0 gettext)

# The browser tests: Debian's Chromium, driven by Playwright (executable_path), and
# axe-core from the npm registry (needs Node.js and npm).
MG_DEBS_TEST=(chromium)
MG_AXE_VERSION="4.10"

mg_say() { printf 'make-guide setup: %s\n' "$*" >&2; }

mg_missing_debs() {
    local pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]; then
            printf '%s\n' "$pkg"
        fi
    done
}

mg_apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            mg_say "please install as root: apt-get install $*"
            return 1
        fi
    fi
    mg_say "installing Debian packages: $*"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

mg_python() {
    # A Python >= 3.10 with venv support; Debian's own needs python3-venv.
    if command -v python3 >/dev/null 2>&1 \
        && python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        return 0
    fi
    mg_apt_install python3 python3-venv
}

bootstrap() {
    if command -v dpkg-query >/dev/null 2>&1; then
        local missing
        missing="$(mg_missing_debs "${MG_DEBS[@]}")"
        # shellcheck disable=SC2086  # one package name per word
        [ -z "$missing" ] || mg_apt_install $missing
    else
        mg_say "not a Debian system: install Pango, HarfBuzz (with hb-subset) and the Noto fonts yourself"
    fi

    mg_python
    mg_venv runtime
}

# pip compiles an installed package's modules to bytecode, but not an editable one's:
# where PYTHONDONTWRITEBYTECODE is set (CI containers), every run would compile all of
# generator/ again (~0.1 s). Cheap when nothing changed (it compares timestamps).
mg_compile() {
    "$MG_VENV/bin/python" -m compileall -q "$MG_ROOT/generator" >/dev/null
}

# The venv, with the project installed (editable): "runtime" is what building needs;
# "test" adds the test tools (pytest, Playwright, mypy, ruff...), for ./run-tests only.
# The stamp records which pyproject.toml was installed, and at which level: a changed
# one reinstalls, an unchanged one costs nothing.
mg_venv() {
    local level="$1" want have stamp="$MG_VENV/.make-guide-stamp"
    want="$(sha256sum <"$MG_ROOT/pyproject.toml" | cut -d' ' -f1)"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [ -x "$MG_VENV/bin/python" ] && { [ "$have" = "$want test" ] || [ "$have" = "$want $level" ]; }; then
        return 0
    fi
    mg_say "installing Python packages ($level) into $MG_VENV"
    [ -x "$MG_VENV/bin/python" ] || python3 -m venv "$MG_VENV"
    "$MG_VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >&2
    local spec="$MG_ROOT"
    [ "$level" = test ] && spec="$MG_ROOT[test]"
    "$MG_VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" >&2
    mg_compile
    echo "$want $level" >"$stamp"
}

# Everything the test suite needs on top of bootstrap: Chromium and axe-core.
bootstrap_tests() {
    bootstrap
    mg_venv test
    local missing
    missing="$(mg_missing_debs "${MG_DEBS_TEST[@]}")"
    if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
        missing="$missing nodejs npm"
    fi
    # shellcheck disable=SC2086  # one package name per word
    [ -z "${missing// /}" ] || mg_apt_install $missing
    local axe="$MG_VENV/node/node_modules/axe-core/axe.min.js"
    if [ ! -f "$axe" ] || [ "$(cat "$MG_VENV/node/.stamp" 2>/dev/null)" != "$MG_AXE_VERSION" ]; then
        mg_say "installing axe-core@$MG_AXE_VERSION from the npm registry"
        mkdir -p "$MG_VENV/node"
        npm install --silent --no-audit --no-fund --prefix "$MG_VENV/node" "axe-core@$MG_AXE_VERSION" >&2
        echo "$MG_AXE_VERSION" >"$MG_VENV/node/.stamp"
    fi
    export MAKE_GUIDE_AXE="$axe"
    export MAKE_GUIDE_CHROMIUM="${MAKE_GUIDE_CHROMIUM:-$(command -v chromium)}"
}

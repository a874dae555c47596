#!/usr/bin/env bash
# A side virtualenv that runs this checkout's harness with another Playwright: the version asked
# for, installed alone (--no-deps), in front of .venv's packages (a .pth line) and the checkout.
# Usage: scripts/playwright-venv.sh SPEC DIR     (SPEC: playwright==1.62.0, or playwright for the newest)
# Then: DIR/bin/python -m harness.cli doctor; DIR/bin/python -m pytest -p no:cacheprovider tests/...
# tests/test_playwright_versions.py runs the Firefox cells with the oldest and the newest this way.
set -euo pipefail
spec="$1" dir="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$dir"
"$here/.venv/bin/python" -m venv --without-pip "$dir"
site="$("$dir/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")"
# Playwright first, while the venv sees nothing else (pip would call .venv's copy satisfying it).
"$here/.venv/bin/python" -m pip --python "$dir/bin/python" install -q --disable-pip-version-check --no-deps "$spec"
"$here/.venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > "$site/zz-spelo-deps.pth"
echo "$here" > "$site/zz-spelo-checkout.pth"
"$dir/bin/python" -c "import importlib.metadata as m; print('playwright', m.version('playwright'))"

#!/usr/bin/env bash
# Sets up everything the harness needs on a Debian machine, idempotently:
#   apt: the distro's browsers (Chromium, Firefox ESR, WebKitGTK with its Python bindings), Xvfb;
#   pip: this package with its test extras, into .venv.
# Where Playwright's own browsers are installed (`playwright install`), the harness uses them;
# the distro's browsers are the fallback, and the only option on an offline machine.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  chromium              # Chromium, driven by Playwright through executable_path
  firefox-esr           # Firefox ESR, driven by Playwright over WebDriver BiDi
  gir1.2-webkit2-4.1    # WebKitGTK 4.1 and its introspection data (the stock WebKit engine)
  python3-gi            # PyGObject for the system Python, which runs the WebKitGTK driver
  python3-gi-cairo      # WebView.get_snapshot (a screenshot of what the page shows now, not the last frame X painted)
  python3-venv          # venv for the system Python
  xvfb xauth            # a display for WebKitGTK, which has no headless mode
  iproute2              # ip: the sealed network namespace of a run
  fonts-dejavu-core     # readable text in screenshots
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node and npm: npm's own client fetches third-party widget builds (--widget npm:NAME@X.Y.Z) with
# their integrity check, and Stryker's instrumenter (spelo-harness mutate) runs under Node.
# Debian's, unless a Node with its own npm is there already (a NodeSource nodejs, say, which
# conflicts with Debian's npm package).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing with apt: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.spelo-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the harness into .venv"
  # The package takes the newest Playwright (its own browsers work with it); Debian's Firefox ESR
  # 153, which this set-up installs, needs playwright<1.65 (harness/engines/playwright/firefox.py).
  # SPELO_PLAYWRIGHT names another, e.g. SPELO_PLAYWRIGHT='playwright==1.65.3' with Playwright's Firefox.
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' "${SPELO_PLAYWRIGHT:-playwright<1.65}"
  touch "$stamp"
fi
# Side venvs with the oldest and the newest Playwright the package allows, for
# tests/test_playwright_versions.py (made here: the tests run sealed, without the package index).
# Not fatal: that test says how to get them.
if [ ! -f .venv-playwright/.made ] || [ pyproject.toml -nt .venv-playwright/.made ]; then
  echo "setup: side venvs with the oldest and the newest Playwright (.venv-playwright/)"
  if bash scripts/playwright-venv.sh "playwright==1.62.0" .venv-playwright/oldest \
     && bash scripts/playwright-venv.sh playwright .venv-playwright/newest; then
    touch .venv-playwright/.made
  else
    echo "setup: WARNING: the side venvs failed; tests/test_playwright_versions.py will skip"
  fi
fi
# The JSON Schemas the scenario and profile files name for editors (made from the models, so
# never stale; not in git).
.venv/bin/spelo-harness schema --write schemas > /dev/null
# Stryker's instrumenter for `spelo-harness mutate`: the exact versions of
# scripts/mutate-tools/package-lock.json, each checked by npm ci against the lock's integrity
# hash, into a cache outside git (the same path harness/mutate.py looks in). Not fatal: only
# mutate needs it, and it says how to get it.
MUTATE_TOOLS="${SPELO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spelo-harness}/mutate-tools"
if ! cmp -s scripts/mutate-tools/package-lock.json "$MUTATE_TOOLS/package-lock.json" 2>/dev/null \
   || [ ! -d "$MUTATE_TOOLS/node_modules/@stryker-mutator/instrumenter" ]; then
  echo "setup: installing Stryker's instrumenter into $MUTATE_TOOLS"
  mkdir -p "$MUTATE_TOOLS"
  cp scripts/mutate-tools/package.json scripts/mutate-tools/package-lock.json "$MUTATE_TOOLS/"
  (cd "$MUTATE_TOOLS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
    || echo "setup: WARNING: npm ci failed; spelo-harness mutate will not run until it succeeds"
fi
echo "setup: ready (.venv/bin/spelo-harness)"

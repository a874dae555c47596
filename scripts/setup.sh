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
# npm's own client fetches third-party widget builds (--widget npm:NAME@X.Y.Z) with their
# integrity check. Debian's npm only where no npm is there: a machine with another Node.js
# (nodesource's, say) already has its npm, and Debian's package would conflict with that nodejs.
command -v npm > /dev/null || APT_PACKAGES+=(npm)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
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
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
  touch "$stamp"
fi
# The JSON Schemas the scenario and profile files name for editors (made from the models, so
# never stale; not in git).
.venv/bin/spelo-harness schema --write schemas > /dev/null
echo "setup: ready (.venv/bin/spelo-harness)"

"""Where the harness's data lives: the fixture site (with the reference widget and its profile),
the seed scenarios, the contract's tables, the default output folder.

All of it is package data under harness/data/, so an installed wheel works from any folder; in a
checkout harness/data/ holds links to the repository's fixtures_site/, scenarios/ and contract/
(edited there). Nothing here looks outside the package.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DATA = PACKAGE / "data"
SITE_DIR = (DATA / "site").resolve()  # resolved: the server compares served files with it
SCENARIO_DIR = (DATA / "scenarios").resolve()
CONTRACT_DIR = (DATA / "contract").resolve()
REFERENCE_WIDGET = SITE_DIR / "spelo.js"
REFERENCE_PROFILE = SITE_DIR / "spelo.profile.yaml"
DEFAULT_OUTPUT = Path("test-results")
# The folder above the package: in a checkout the repository (its tests, examples, README), in an
# installed wheel site-packages. The harness reads nothing from it; pytest's rootdir for the child.
ROOT = PACKAGE.parent

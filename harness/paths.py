"""Where the project's data lives: the fixture site, the scenarios, the default output folder."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "fixtures_site"
SCENARIO_DIR = ROOT / "scenarios"
REFERENCE_WIDGET = SITE_DIR / "spelo.js"
DEFAULT_OUTPUT = Path("test-results")

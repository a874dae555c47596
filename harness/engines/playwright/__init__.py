"""The browsers Playwright drives: Chromium, Firefox and Playwright's WebKit build (engine.py is
what they share, tab.py the page they hand the runner), and remote.py for browsers served by a
Playwright server (--connect)."""

"""A profile's selectors and patterns checked at load, by the syntax of what runs them.

Selectors: the profile's own syntax (`page:` first, parts joined by `>>>`, each part optionally
ending in `:has-text("words")`, as engines/find.js reads them) around CSS selectors, each parsed
by soupsieve (a real CSS selector parser, Beautiful Soup's). Without this, a selector with an
unbalanced quote was accepted and the run said only "did not become visible within 10 s".

Patterns run in two engines: the text map in Python (profile.py) and the state rules in the
page's JavaScript (probe.js: `new RegExp(p)`). Python's `re` accepts constructs JavaScript does
not have or reads otherwise (`(?P<x>…)` is a SyntaxError there; `\\A` is a plain "A"), so a
pattern must be valid in both: Python compiles it, a scanner rejects the Python-only
constructs, and where Node.js is installed, V8's own `new RegExp` has the last word.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import lru_cache

PAGE_PREFIX = "page:"
HAS_TEXT = re.compile(r""":has-text\((["'])(.*)\1\)\s*$""")  # as engines/find.js's TEXT
# soupsieve's own extensions and non-standard names that no browser's querySelector knows.
NOT_IN_BROWSERS = re.compile(r":(-soup-[\w-]+|contains)\(", re.I)


def check_css_selector(value: str) -> str:
    """The selector, or ValueError saying which part is not CSS and why (one line)."""
    import soupsieve

    body = value[len(PAGE_PREFIX) :] if value.startswith(PAGE_PREFIX) else value
    if not body.strip():
        raise ValueError(f"{value!r}: an empty selector")
    for part in body.split(">>>"):
        css = part.strip()
        if not css:
            raise ValueError(f"{value!r}: every part around '>>>' needs a selector")
        if css.startswith(PAGE_PREFIX):
            raise ValueError(f"{value!r}: 'page:' may only start a selector")
        m = HAS_TEXT.search(css)
        if m is not None:
            css = css[: m.start()].strip() or "*"
        if ":has-text" in css:
            raise ValueError(f'{value!r}: :has-text("words") takes a quoted text and ends its part')
        bad = NOT_IN_BROWSERS.search(css)
        if bad is not None:
            raise ValueError(f'{value!r}: {bad.group(0)}…) is not CSS that browsers know (use :has-text("…"))')
        try:
            soupsieve.compile(css)
        except soupsieve.SelectorSyntaxError as e:
            why = str(e).splitlines()[0].strip().rstrip(".")
            raise ValueError(f"{value!r}: not a CSS selector: {why}") from None
    return value


# -- patterns ----------------------------------------------------------------------------------

# After "(?": what Python reads there and JavaScript does not (JS has (?: (?= (?! (?<= (?<! (?<name>).
PYTHON_ONLY_GROUPS = (
    (re.compile(r"P<"), "(?P<name>…) is Python's named group; JavaScript writes (?<name>…)"),
    (re.compile(r"P="), "(?P=name) is Python's back-reference; JavaScript writes \\k<name>"),
    (re.compile(r"P>"), "(?P>…) is not JavaScript"),
    (re.compile(r"#"), "(?#…) is a Python comment; JavaScript has none"),
    (re.compile(r">"), "(?>…) (an atomic group) is not JavaScript"),
    (re.compile(r"\("), "(?(…)…) (a conditional) is not JavaScript"),
    (re.compile(r"[aiLmsux-]+[:)]"), "inline flags such as (?i) are not JavaScript (not in every engine)"),
)
PYTHON_ONLY_ESCAPES = {
    "A": "\\A (start of text) is not JavaScript (it reads 'A'); use ^",
    "Z": "\\Z (end of text) is not JavaScript (it reads 'Z'); use $",
    "z": "\\z is not a pattern escape in either; use $",
}


def python_only(pattern: str) -> str | None:
    """Why the pattern is Python's and not JavaScript's, or None. Escapes and character classes
    are skipped as both engines read them."""
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if not in_class and nxt in PYTHON_ONLY_ESCAPES:
                return PYTHON_ONLY_ESCAPES[nxt]
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # "[]" opens a class holding ']' in Python only
                return "a class starting with ']' ([]…]) is read differently by JavaScript; escape it: [\\]…]"
        elif c == "(" and pattern[i + 1 : i + 2] == "?":
            rest = pattern[i + 2 :]
            for construct, why in PYTHON_ONLY_GROUPS:
                if construct.match(rest):
                    return why
        elif c in "*+?}" and pattern[i + 1 : i + 2] == "+":
            return f"the possessive quantifier {c}+ is not JavaScript"
        i += 1
    return None


def check_js_regex(value: str) -> str:
    """The pattern, or ValueError: it must compile in Python and in JavaScript alike."""
    try:
        re.compile(value)
    except re.error as e:
        raise ValueError(f"not a valid pattern: {e}") from None
    why = python_only(value)
    if why is None:
        why = node_says(value)
    if why is not None:
        raise ValueError(f"{value!r} is not a JavaScript pattern: {why}")
    return value


NODE_CHECK = (
    "let p='';process.stdin.on('data',d=>p+=d).on('end',()=>{"
    "try{new RegExp(JSON.parse(p));console.log('')}catch(e){console.log(e.message)}})"
)


@lru_cache(maxsize=256)
def node_says(pattern: str) -> str | None:
    """V8's verdict on `new RegExp(pattern)` where Node.js is installed; None where it is not (or
    accepts it). Bounded: a node that does not answer in 10 s is taken as absent."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return None
    try:
        done = subprocess.run([node, "-e", NODE_CHECK], input=json.dumps(pattern), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    said = done.stdout.strip()
    return f"JavaScript says: {said}" if done.returncode == 0 and said else None

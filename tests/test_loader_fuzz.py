"""Any bytes, any YAML into the scenario loader: a file is loaded or refused in one line naming
it, and the command exits 2; never a traceback. Property-based (hypothesis), derandomized so CI
sees the same cases every run. The command is `repro` of an id no file has: it loads the file
first (the same load_all as `run`), and a file that loads still ends in a usage error, so no
browser ever starts."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import cli
from harness.scenarios import ScenarioError, load_file

CASES = 150  # per strategy; five strategies: 750 files a run
FUZZ = settings(
    max_examples=CASES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FOLDER = Path(tempfile.mkdtemp(prefix="spelo-fuzz-"))


def check_file(content: bytes) -> None:
    path = FOLDER / "cells.yaml"
    path.write_bytes(content)
    try:
        load_file(path)
    except ScenarioError as e:
        assert "\n" not in str(e) and str(e).startswith(str(path))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["repro", "zz-no-such-cell", "--browser", "chromium", "--scenarios", str(path)])
    assert code == 2, err.getvalue()
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("spelo-harness: "), err.getvalue()


@FUZZ
@given(st.binary(max_size=3000))
def test_any_bytes(content: bytes) -> None:
    check_file(content)


scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.dates() | st.binary(max_size=20)
)  # ints of 5,000 digits: PIECES (hypothesis cannot show them)
keys = (
    st.text(max_size=12)
    | st.integers()
    | st.booleans()
    | st.none()
    | st.sampled_from(["scenarios", "id", "title", "steps", "expect", "quirks", "origin", "permission", "definitions"])
)
data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5), max_leaves=40)


@FUZZ
@given(data, st.booleans())
def test_any_yaml_data(value: object, flow: bool) -> None:
    check_file(yaml.dump(value, default_flow_style=flow, allow_unicode=True).encode("utf-8"))


PIECES = [
    "&a ",
    "*a",
    "&b [*a, *a, *a, *a]\n",
    "!!python/object:os.system ",
    "!!binary ",
    "!!int ",
    "!!float ",
    "!!timestamp ",
    "!!str ",
    "!!map ",
    "!foo ",
    "? ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ": ",
    ", ",
    "\n",
    "  ",
    "\t",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "---\n",
    "...\n",
    "<<: ",
    "'",
    '"',
    "\\",
    "# c\n",
    "9" * 5000,
    "0x" + "f" * 40,
    "2001-13-45",
    "1:59:59",
    ".inf",
    ".nan",
    "~",
    "|\n",
    ">-\n",
    "\x00",
    "\ufeff",
    "\u2028",
    "scenarios:\n",
    "  - id: a\n",
    "    title: t\n",
    "    steps: [reload]\n",
    "    expect: {}\n",
    "id: ",
    "[" * 200,
    "]" * 200,
    "definitions:\n",
]


@FUZZ
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_yaml_made_of_its_syntax(pieces: list[str]) -> None:
    check_file("".join(pieces).encode("utf-8", "surrogatepass"))


fields = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=10) | st.integers(),
        "title": scalars,
        "origin": st.text(max_size=10),
        "permission": st.sampled_from(["granted", "denied", "prompt", "x"]),
        "steps": data,
        "expect": data,
        "quirks": data,
        "engines": data,
        "timeout_s": scalars,
        "skip": data,
        "site": data,
    },
)


@FUZZ
@given(st.lists(fields, max_size=3))
def test_near_scenarios(rows: list[dict[str, Any]]) -> None:
    check_file(yaml.safe_dump({"scenarios": rows}, allow_unicode=True).encode("utf-8"))


@FUZZ
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    check_file(text.encode("utf-8", "surrogatepass"))

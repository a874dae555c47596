"""No module reads a cell's id, its outcome or why it stopped out of text (issue 21).

The cell id has one text form and one parser (harness/model.py's CellId); outcomes are Outcome
members and compared as such; a cell's reason is for people, and no module matches its wording.
tests/test_model.py guards `.outcome` compared with plain words; these guards add what it does not
see: a cell id taken apart with split/partition/strip on its brackets or matched with the id's
pattern outside model.py (in the harness and in the tests), an outcome read from a dict or a
variable and compared with plain words, a table keyed by outcome words, and a reason's text
searched or matched.

The places that still read text are listed in KNOWN, each with why; the list may only shrink: a
listed place that is gone fails too, so whoever fixes one takes it off the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness import paths
from harness.model import Outcome

ROOT = paths.ROOT
OUTCOME_WORDS = frozenset(o.value for o in Outcome)
# str methods that take a cell id apart when given one of its brackets
TAKES_APART = frozenset(
    {
        "split",
        "rsplit",
        "partition",
        "rpartition",
        "strip",
        "rstrip",
        "lstrip",
        "index",
        "rindex",
        "find",
        "rfind",
        "removesuffix",
        "removeprefix",
    }
)
BRACKETS = frozenset({"[", "]"})  # one of an id's brackets (an IPv6 host's strip("[]") is not an id)
ID_PATTERN_NAMES = frozenset({"CELL_ID_PATTERN", "_CELL_ID"})  # model.py's; nobody else matches ids with them
SEARCHES = frozenset({"startswith", "endswith", "find", "rfind", "index", "count", "split", "rsplit", "partition", "rpartition"})
REGEX_CALLS = frozenset({"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"})
REASON_KEYS = frozenset({"reason"})

# (file, kind, the expression as ast.unparse writes it): what is still read from text, and why it
# is left. Keyed by the expression, not the line, so that reformatting does not move it.
KNOWN: dict[tuple[str, str, str], str] = {
    (
        "harness/runner.py",
        "reason read",
        "re.sub('\\\\b[\\\\d,]+ (lines|s)\\\\b', 'N \\\\1', r.reason)",
    ): "a cell the watchdog ended is observed as its reason with the varying counts and seconds "
    "blanked: the snapshot's fact is made from the reason's wording",
}


def _norm(expr: str) -> str:
    """An expression as KNOWN spells it: one kind of quote (ast.unparse's choice varies by Python)."""
    return expr.replace('"', "'")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_outcome_read(node: ast.AST) -> bool:
    """An expression that holds a cell's outcome: x.outcome, x["outcome"], x.get("outcome"), outcome."""
    if isinstance(node, ast.Attribute):
        return node.attr == "outcome"
    if isinstance(node, ast.Subscript):
        return _text(node.slice) == "outcome"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return bool(node.args) and _text(node.args[0]) == "outcome"
    return isinstance(node, ast.Name) and node.id in {"outcome", "outcomes"}


def _plain_words(node: ast.AST) -> bool:
    if _text(node) is not None:
        return _text(node) in OUTCOME_WORDS
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return bool(node.elts) and all(_text(e) in OUTCOME_WORDS for e in node.elts)
    return False


def _is_reason(node: ast.AST) -> bool:
    """A cell's reason: x.reason or x["reason"] (what people read, never what code decides by)."""
    if isinstance(node, ast.Attribute):
        return node.attr in REASON_KEYS
    return isinstance(node, ast.Subscript) and _text(node.slice) in REASON_KEYS


def readings(source: str, name: str, *, ids_only: bool = False) -> list[tuple[str, str, str, int]]:
    """Every place of one module that reads a cell's id, outcome or reason from text:
    (file, kind, expression, line). ids_only: the cell-id checks alone (for the tests' own files)."""
    tree = ast.parse(source, name)
    parents: Parents = {id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: list[tuple[str, str, str, int]] = []

    def add(kind: str, node: ast.AST) -> None:
        one = (name, kind, _norm(ast.unparse(node)), getattr(node, "lineno", 0))
        if one not in found:  # a chain (s.rstrip("]").split("[")) is one reading
            found.append(one)

    for node in ast.walk(tree):
        # A cell id taken apart on its brackets: "a[b]".split("["), .rstrip("]"), .partition("[").
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TAKES_APART:
            if any(_text(a) in BRACKETS for a in node.args):
                add("id taken apart", _outermost_chain(parents, node))
        # The id's pattern used outside model.py (CellId.parse is the one reader).
        if isinstance(node, (ast.Name, ast.Attribute)):
            ident = node.id if isinstance(node, ast.Name) else node.attr
            if ident in ID_PATTERN_NAMES and not isinstance(getattr(node, "ctx", None), ast.Store):
                add("id pattern", _call_around(parents, node))
        if ids_only:
            continue
        # An outcome, however it was read, compared with plain words.
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_outcome_read(s) for s in sides) and any(_plain_words(s) for s in sides):
                add("outcome word", node)
            # "the browser crashed" in r.reason
            if (
                any(_is_reason(s) for s in node.comparators)
                and _text(node.left) is not None
                and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
            ):
                add("reason read", node)
            if _is_reason(node.left) and any(_text(c) is not None for c in node.comparators):
                add("reason read", node)
        # A table keyed by outcome words ({"pass": …, "fail": …}): model.py's Outcome is the key.
        if isinstance(node, ast.Dict) and len(node.keys) > 1 and all(k is not None and _text(k) in OUTCOME_WORDS for k in node.keys):
            add("outcome table", node)
        # r.reason.startswith("…"), r.reason.split(":"), re.search("…", r.reason)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SEARCHES and _is_reason(node.func.value):
                add("reason read", node)
            if (
                node.func.attr in REGEX_CALLS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and any(_is_reason(a) for a in node.args)
            ):
                add("reason read", node)
    return found


Parents = dict[int, ast.AST]  # id(node) -> the node it is part of


def _call_around(parents: Parents, node: ast.AST) -> ast.AST:
    """The call a name is part of (re.match(CELL_ID_PATTERN, s)), else the name itself."""
    up = parents.get(id(node))
    while up is not None and not isinstance(up, ast.Call):
        if isinstance(up, ast.stmt):
            return node
        up = parents.get(id(up))
    return up if up is not None else node


def _outermost_chain(parents: Parents, node: ast.AST) -> ast.AST:
    """s.split(":")[0].split("[")[0]: the whole chain, so that the expression names the reading."""
    while True:
        up = parents.get(id(node))
        if isinstance(up, ast.Subscript) and up.value is node:
            node = up
        elif isinstance(up, ast.Attribute) and up.value is node:
            nxt = parents.get(id(up))
            if isinstance(nxt, ast.Call) and nxt.func is up:
                node = nxt
            else:
                return node
        else:
            return node


def _harness_files() -> list[Path]:
    return [f for f in sorted((ROOT / "harness").rglob("*.py")) if f.name != "model.py"]


def _found() -> list[tuple[str, str, str, int]]:
    found = []
    for f in _harness_files():
        found += readings(f.read_text(encoding="utf-8"), _rel(f))
    for f in sorted((ROOT / "tests").rglob("*.py")):
        if f.name != Path(__file__).name:  # this file spells the readings out to test the guard
            found += readings(f.read_text(encoding="utf-8"), _rel(f), ids_only=True)
    return found


def test_no_module_reads_ids_outcomes_or_reasons_from_text() -> None:
    new = [f"{file}:{line}: {kind}: {expr}" for file, kind, expr, line in _found() if (file, kind, expr) not in KNOWN]
    assert not new, (
        "read from text (use CellId.parse / CellId.of_nodeid, Outcome members, typed fields such as "
        "Result.stopped or Mismatch.field):\n" + "\n".join(new)
    )


def test_every_known_reading_is_still_there() -> None:
    """A place fixed comes off KNOWN (the list only shrinks)."""
    seen = {(file, kind, expr) for file, kind, expr, _ in _found()}
    gone = [f"{file}: {kind}: {expr}" for file, kind, expr in KNOWN if (file, kind, expr) not in seen]
    assert not gone, "no longer found; take it off KNOWN in tests/test_no_text_parsing.py:\n" + "\n".join(gone)


PLANTED = {
    'scenario, engine = cell.rstrip("]").split("[")': "id taken apart",
    'name, _, rest = text.partition("[")': "id taken apart",
    "ok = re.match(CELL_ID_PATTERN, text)": "id pattern",
    'bad = row["outcome"] in ("fail", "stale-quirk")': "outcome word",
    'bad = outcome == "skipped"': "outcome word",
    'bad = r.get("outcome") != "pass"': "outcome word",
    'MARK = {"pass": "ok", "fail": "x"}': "outcome table",
    'crashed = "the browser crashed" in r.reason': "reason read",
    'crashed = result.reason.startswith("harness error")': "reason read",
    'm = re.search(r"after (\\d+) s", r.reason)': "reason read",
    'same = d["reason"] == "timeout"': "reason read",
}


@pytest.mark.parametrize("line,kind", PLANTED.items())
def test_the_guard_sees_each_kind_of_reading(line: str, kind: str) -> None:
    assert [k for _, k, _, _ in readings(line + "\n", "planted.py")] == [kind]


@pytest.mark.parametrize(
    "line",
    [
        "cell = CellId.parse(text)",
        "failing = r.outcome.failing",
        'grid = {Outcome.PASS: "pass", Outcome.FAIL: "fail"}',
        'kind: Literal["quirk", "limit"] = "quirk"',
        'words = "x[1]".format()',
        "stopped = r.stopped is Stop.CRASH",
        'label = f"{cell.scenario}[{cell.engine}]"',
    ],
)
def test_the_guard_leaves_typed_reading_alone(line: str) -> None:
    assert readings(line + "\n", "typed.py") == []

"""ARCHITECTURE.md stays true: every path and every `module.name` it cites in backticks exists,
so a rename breaks this test rather than the document; and the house rules it states that no
other test guards (one YAML reader, engine-specific imports in their family, one atomic writer)
hold in the code."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from harness import paths

ROOT = paths.ROOT
DOC = ROOT / "ARCHITECTURE.md"
PACKAGE = ROOT / "harness"
# Spans that start with one of the repository's folders are paths; they must exist.
REPO_FOLDERS = (
    "harness",
    "tests",
    "scenarios",
    "contract",
    "fixtures_site",
    "profiles",
    "snapshots",
    "examples",
    "scripts",
    "bench",
    ".github",
)
DOTTED = re.compile(r"^(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?P<call>\(.*\))?(?:\s*->\s*\w+)?$")
# A dotted span that ends so is a file or a host (results.json, shop.test), not a name.
FILE_ENDINGS = {"json", "yaml", "yml", "py", "js", "mjs", "md", "toml", "html", "xml", "zip", "png", "txt", "test"}


def spans(text: str) -> list[str]:
    """The backticked spans of a Markdown text, code blocks left out."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.findall(r"`([^`\n]+)`", text)


def cited_paths(text: str) -> list[str]:
    return [s for s in spans(text) if " " not in s and s.split("/", 1)[0] in REPO_FOLDERS and "/" in s]


def cited_names(text: str) -> list[str]:
    """`module.name`, `Class.member`, `name(...)` and `CamelCase` spans: names the code must define."""
    out = []
    for s in spans(text):
        m = DOTTED.match(s)
        if m is None:
            continue
        name, call = m["name"], m["call"]
        parts = name.split(".")
        if len(parts) > 1 and parts[-1] in FILE_ENDINGS:
            continue
        if len(parts) > 1 or call is not None or (name[0].isupper() and not name.isupper()):
            out.append(name)
    return out


# -- the package's definitions, read from its source (the WebKitGTK driver cannot be imported here) --


@cache
def modules() -> dict[str, ast.Module]:
    """Every module of the package by its dotted name without `harness.` (a package by its own)."""
    found = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        rel = f.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts[:-1]) if rel.name == "__init__" else list(rel.parts)
        found[".".join(parts)] = ast.parse(f.read_text(encoding="utf-8"), str(f))
    return found


def _members(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Names a module or class body defines: functions, classes, assigned and annotated names."""
    out: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out[n.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
    return out


def _has_path(tree: ast.AST, rest: list[str]) -> bool:
    here: ast.AST = tree
    for name in rest:
        body = getattr(here, "body", None)
        if not isinstance(body, list):
            return False
        found = _members(body).get(name)
        if found is None:
            return False
        here = found
    return True


def resolves(name: str) -> bool:
    """Whether the package defines `name`: `module.thing[.member]` (a module named by the end of
    its dotted path: `tab.PlaywrightTab`), `Class.member`, or a bare function or class name."""
    parts = name.split(".")
    mods = modules()
    for k in range(len(parts) - 1, 0, -1):
        suffix = ".".join(parts[:k])
        for mod, tree in mods.items():
            if (mod == suffix or mod.endswith("." + suffix)) and _has_path(tree, parts[k:]):
                return True
    # a class or function of any module, then its members
    for tree in mods.values():
        if _has_path(tree, parts):
            return True
    if len(parts) == 1:  # a bare name(...) may be a method: defined at any depth
        return any(
            isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name
            for tree in mods.values()
            for n in ast.walk(tree)
        )
    return False


def test_the_document_cites_enough_to_be_checked() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert len(set(cited_paths(text))) >= 60 and len(set(cited_names(text))) >= 80


def test_every_cited_path_exists() -> None:
    missing = sorted({p for p in cited_paths(DOC.read_text(encoding="utf-8")) if not (ROOT / p).exists()})
    assert not missing, "ARCHITECTURE.md cites paths that do not exist:\n" + "\n".join(missing)


def test_every_cited_name_is_defined() -> None:
    missing = sorted({n for n in cited_names(DOC.read_text(encoding="utf-8")) if not resolves(n)})
    assert not missing, "ARCHITECTURE.md cites names the package does not define:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "name,defined",
    [
        ("model.CellId.parse", True),
        ("tab.PlaywrightTab", True),
        ("CellRun.run", True),
        ("Stop.TIMEOUT", True),
        ("driver.main.Driver", True),
        ("RunOptions.observers", True),
        ("register", True),
        ("model.CellId.unparse", False),
        ("runner.run_cells", False),
        ("NoSuchClass", False),
        ("Stop.LATE", False),
    ],
)
def test_the_checker_tells_a_name_from_a_rename(name: str, defined: bool) -> None:
    assert resolves(name) is defined


def test_the_checker_reads_paths_and_names_from_backticks() -> None:
    text = (
        "See `harness/runner.py` and `runner.CellRun` (not `results.json`, `spelo-harness run`, `--judge`).\n"
        "```\n`harness/nowhere.py`\n```\n`Harness.run_cell(scenario, engine)` and `main(args) -> int`."
    )
    assert cited_paths(text) == ["harness/runner.py"]
    assert cited_names(text) == ["runner.CellRun", "Harness.run_cell", "main"]


def test_the_readme_points_to_it() -> None:
    assert "ARCHITECTURE.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- house rules the document states that no other test guards ------------------------------------


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(f: Path) -> str:
    return f.relative_to(ROOT).as_posix()


def test_engine_specific_libraries_are_imported_in_their_family_only() -> None:
    wrong = []
    for f in _package_files():
        rel = _rel(f)
        for name in _imports(ast.parse(f.read_text(encoding="utf-8"))):
            top = name.split(".")[0]
            if top == "playwright" and not rel.startswith("harness/engines/"):
                wrong.append(f"{rel}: imports {name} (Playwright belongs in harness/engines/)")
            if top == "gi" and not rel.startswith("harness/engines/webkitgtk/"):
                wrong.append(f"{rel}: imports {name} (gi belongs in harness/engines/webkitgtk/)")
    assert not wrong, "\n".join(wrong)


YAML_READERS = {
    "load",
    "safe_load",
    "full_load",
    "unsafe_load",
    "load_all",
    "safe_load_all",
    "compose",
    "compose_all",
    "parse",
    "scan",
    "SafeLoader",
    "CSafeLoader",
    "FullLoader",
    "Loader",
}


def test_one_yaml_reader() -> None:
    """Only harness/yamlfile.py parses YAML (bounded, no duplicate keys, one line per bad file)."""
    wrong = []
    for f in _package_files():
        if f.name == "yamlfile.py":
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in YAML_READERS
                and isinstance(node.value, ast.Name)
                and node.value.id == "yaml"
            ):
                wrong.append(f"{_rel(f)}:{node.lineno}: yaml.{node.attr} (read YAML with yamlfile.read_yaml)")
            if isinstance(node, ast.ImportFrom) and node.module == "yaml" and {a.name for a in node.names} & YAML_READERS:
                wrong.append(f"{_rel(f)}:{node.lineno}: from yaml import a reader (read YAML with yamlfile.read_yaml)")
    assert not wrong, "\n".join(wrong)


def test_one_atomic_writer() -> None:
    """Files others read while a run goes on are replaced whole by harness/atomic.py alone."""
    wrong = []
    for f in _package_files():
        if f.name == "atomic.py":
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "replace" and isinstance(node.value, ast.Name) and node.value.id == "os":
                wrong.append(f"{_rel(f)}:{node.lineno}: os.replace (write with atomic.write_text_atomic)")
    assert not wrong, "\n".join(wrong)

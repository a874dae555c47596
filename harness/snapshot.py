"""Snapshots: what a visitor perceived in every cell of one build, as a reviewed baseline file.

A team whose widget words things its own way, or does not follow the contract, gates on what
moved instead of on the scenarios' expectations (as Jest snapshots, syrupy or
pytest-regressions do for UI code). The file is YAML, one fact a line, keys sorted, cells sorted
by id, nothing volatile in it (harness/observe.py normalises), so recording an unchanged build
twice gives the same bytes and a reworded status is one changed line per cell that shows it.

    format: spelo-harness-snapshot/2
    profile: reference
    cells:
      blocked-before[chromium]:
        fallback: true
        status: (none) → Microphone access needed
        tooltip: Mic access is blocked — click the lock icon to re-enable.
        ...
      policy-block[webkit]:
        not_observed: 'webkit cannot make this situation: ...'

A recording of several runs (`record --runs N`) keeps a fact that differed between them under the
cell's `varying`, with each value seen: the build's races, which `run --against` accepts in any of
those values. Format 1 (before `varying`) files read unchanged.

What the run could not observe is a fact too (`not_observed`, `limit`, `stopped`), so an engine
that stops running shows as moved, never as unchanged. Beside the file, FILE.shots/ keeps each
cell's final screenshot for the report's before/after (evidence, not compared).
"""

from __future__ import annotations

import difflib
import functools
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from harness.atomic import write_text_atomic
from harness.engines import ENGINE_NAMES
from harness.errors import UsageError
from harness.model import CellId, Outcome
from harness.observe import Normaliser
from harness.results import Mismatch, Result

FORMAT = "spelo-harness-snapshot/2"
# Formats this harness reads: /1 is /2 without `varying` (a recording of one run), read unchanged.
READS = ("spelo-harness-snapshot/1", FORMAT)
HEADER = (
    "# What a visitor perceived in each cell (spelo-harness record). Review changes like code:\n"
    "# `spelo-harness run --against FILE` fails every cell that moved, naming field, old and new value;\n"
    "# `spelo-harness approve FILE` takes a run's new observations. Generated: edit only to delete cells.\n"
)
ABSENT = object()
# In a varying fact's values: the fact was not there in that run (a step that stopped in one run only).
NOT_THERE = "(absent)"


class SnapshotError(UsageError):
    """One line: file:line: field: what is wrong (a usage error: exit 2)."""


# -- the file's schema: a hand edit into nonsense is named by file, line and field ----------------


class Peer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    offers: int
    refused: list[str]
    states: str
    audio: str
    tool_call: str
    tool_result: bool


class Entry(BaseModel):
    """One cell's facts (observe.py makes them; entry() adds what could not be observed)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    not_observed: str | None = None  # skipped: why
    limit: str | None = None  # the engine's recorded limit
    stopped: str | None = None  # a step that could not be taken
    unobservable: str | None = None  # the page could not be read (a crashed browser)
    unsettled: str | None = None  # never at rest within the scenario's timeout
    present: bool | None = None
    state: str | None = None
    states: str | None = None
    status: str | None = None
    tooltip: str | None = None
    other_text: str | None = None
    notice: bool | None = None
    fallback: bool | None = None
    orb: str | None = None
    page: str | None = None
    secure_context: bool | None = None
    live_regions: int | None = None
    getUserMedia: list[str] | None = None
    speech: list[str] | None = None  # speech-recognition starts and their outcomes (spy.js)
    console: list[str] | None = None
    api: list[str] | None = None
    analytics: list[str] | None = None
    vendor: list[str] | None = None  # exchanges with the build's vendor fake (profile `vendor`)
    prompts: int | None = None
    axe: list[str] | None = None
    peer: Peer | None = None
    # Facts that differed between the runs of one recording (`record --runs N`): each value seen.
    # The build's races: a later run may show any of them and has not moved.
    varying: dict[str, list[Any]] | None = None


def _cell_key(text: str) -> str:
    """A snapshot's cell key: a cell's name (CellId.parse, the one parser) in an engine we know."""
    cell = CellId.parse(text)
    if cell.engine not in ENGINE_NAMES:
        raise ValueError(f"{text!r} is not a cell of {', '.join(ENGINE_NAMES)}")
    return text


CellKey = Annotated[str, AfterValidator(_cell_key)]


class File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    format: str
    profile: str
    cells: dict[CellKey, Entry]


@dataclass
class Snapshot:
    path: Path
    profile: str
    cells: dict[str, dict[str, Any]]  # cell id -> facts as in the file

    @property
    def shots(self) -> Path:
        return shots_dir(self.path)


def shots_dir(path: Path) -> Path:
    return path.with_name(path.stem + ".shots")


def shot_name(cell: CellId) -> str:
    return cell.slug + ".png"


def load(path: Path) -> Snapshot:
    """A snapshot file, checked whole; a SnapshotError naming file, line and field otherwise."""
    from harness.yamlfile import YamlFileError, describe_validation_error, read_yaml

    try:
        data, node = read_yaml(path)
    except YamlFileError as e:
        raise SnapshotError(str(e)) from None
    if not isinstance(data, dict):
        raise SnapshotError(f"{path}:1: (top): not a spelo-harness snapshot (expected a mapping with format: {FORMAT})")
    found = data.get("format")
    if found not in READS:
        line = _key_line(node, "format")
        if found is None:
            raise SnapshotError(f"{path}:{line}: format: missing; not a spelo-harness snapshot ({FORMAT})")
        raise SnapshotError(
            f"{path}:{line}: format: {found!r} is another harness version's snapshot; this "
            f"harness reads {' and '.join(map(repr, READS))}: record the baseline again"
        )
    cells_node = _value_node(node, "cells")
    for key_node, _ in cells_node.value if isinstance(cells_node, yaml.MappingNode) else []:
        try:
            _cell_key(str(key_node.value))
        except ValueError:
            raise SnapshotError(
                f"{path}:{key_node.start_mark.line + 1}: cells: {key_node.value!r} is not a cell (scenario-id[{'|'.join(ENGINE_NAMES)}])"
            ) from None
    try:
        parsed = File.model_validate(data)
    except ValidationError as e:
        raise SnapshotError(describe_validation_error(path, node, e)) from None
    cells = {cid: e.model_dump(exclude_unset=True) for cid, e in parsed.cells.items()}  # a null stays
    return Snapshot(path=path, profile=parsed.profile, cells=cells)


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == key), None)
    return None


def _key_line(node: yaml.Node | None, key: str) -> int:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return int(k.start_mark.line) + 1
    return 1


def dumps(profile: str, cells: dict[str, dict[str, Any]]) -> str:
    """The file's text: the same cells always give the same bytes."""
    head = yaml.safe_dump({"format": FORMAT, "profile": profile}, sort_keys=False, allow_unicode=True)
    body = (
        yaml.safe_dump(
            {"cells": dict(sorted(cells.items()))}, sort_keys=True, allow_unicode=True, default_flow_style=False, width=1_000_000
        )
        if cells
        else "cells: {}\n"
    )
    return HEADER + head + body


def write(path: Path, profile: str, cells: dict[str, dict[str, Any]]) -> None:
    write_text_atomic(path, dumps(profile, cells))


# -- a cell's entry, and what moved ------------------------------------------------------------------


class NoObservation(SnapshotError):
    pass


def entry(r: Result) -> dict[str, Any]:
    """The cell's facts for the snapshot: the perceived facts plus what could not be observed."""
    norm = Normaliser()
    if r.outcome is Outcome.SKIPPED:
        return {"not_observed": norm(r.reason)}
    if not r.observed:
        raise NoObservation(
            f"{r.cell_id}: no observation in its results (made by `run` without --against or `record`, or the cell never opened a page)"
        )
    facts = dict(r.observed)
    if r.outcome is Outcome.LIMIT:
        facts["limit"] = norm(r.reason)
    failed = next((s for s in r.steps if s.error), None)
    if failed is not None:
        facts["stopped"] = norm(f"step {failed.index} ({failed.action}): {failed.error}")
    elif r.stopped is not None:  # the browser crashed, the harness ended it, or a harness error
        facts["stopped"] = norm(r.reason.splitlines()[0])
    return facts


@dataclass(frozen=True)
class Move:
    """One fact that moved: its field (e.g. "peer.states", a list's items under its name) and the
    line people read."""

    field: str
    text: str  # 'state.detail: was X, now Y'; 'console[2]: was absent, now ...'
    fact: str = ""  # the observation's top-level fact it is under ("state" for "state.detail")

    def __str__(self) -> str:
        return self.text


def fold(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One cell's entries from several runs as one: a fact every run saw alike stays as it is; one
    that differed goes under `varying` with each value seen (sorted, so the same runs give the
    same bytes whatever their order)."""
    keys = list(dict.fromkeys(k for e in entries for k in [*e, *(e.get("varying") or {})] if k != "varying"))
    out: dict[str, Any] = {}
    varying: dict[str, list[Any]] = {}
    for key in keys:
        values: list[Any] = []
        for e in entries:
            recorded = (e.get("varying") or {}).get(key)
            for v in recorded if recorded is not None else [e.get(key, NOT_THERE)]:
                if v not in values:
                    values.append(v)
        if len(values) == 1:
            if values[0] != NOT_THERE:
                out[key] = values[0]
        else:
            varying[key] = sorted(values, key=lambda v: v if isinstance(v, str) else show(v))
    if varying:
        out["varying"] = varying
    return out


def diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "", fact: str = "") -> list[Move]:
    """Every fact that moved, as 'field: was X, now Y' (list items one by one). A fact the baseline
    records as varying has moved only when the new value is none of the values seen."""
    moves: list[Move] = []
    varying = old.get("varying") if not prefix else None
    if isinstance(varying, dict):
        for key, values in sorted(varying.items()):
            now = new.get(key, NOT_THERE)
            if now not in values:
                moves.append(Move(key, f"{key}: was one of {show(values)} (it varied when recorded), now {show(now)}", key))
        old = {k: v for k, v in old.items() if k != "varying" and k not in varying}
        new = {k: v for k, v in new.items() if k not in varying}

    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, ABSENT), new.get(key, ABSENT)
        name, top = prefix + key, fact or key
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            moves += diff(a, b, prefix=name + ".", fact=top)
        elif isinstance(a, list) and isinstance(b, list):
            moves += _list_moves(name, a, b, top)
        else:
            moves.append(Move(name, f"{name}: was {show(a)}, now {show(b)}", top))
    return moves


def _list_moves(name: str, a: list[Any], b: list[Any], fact: str) -> list[Move]:
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            was = a[i1 + k] if i1 + k < i2 else ABSENT
            now = b[j1 + k] if j1 + k < j2 else ABSENT
            index = i1 + k if was is not ABSENT else j1 + k
            out.append(Move(name, f"{name}[{index}]: was {show(was)}, now {show(now)}", fact))
    return out


def show(v: Any) -> str:
    if v is ABSENT:
        return "absent"
    if isinstance(v, str):
        return repr(v)
    return yaml.safe_dump(v, default_flow_style=True, allow_unicode=True, width=1_000_000).strip().removesuffix("\n...")


# -- judging a run by a snapshot -------------------------------------------------------------------


@functools.cache
def loaded(path: str) -> Snapshot:
    """The snapshot, read once per process (the controller and every xdist worker)."""
    return load(Path(path))


def judge(r: Result, snap: Snapshot) -> Result:
    """The cell judged by the snapshot instead of the contract: it passes when nothing moved.
    The contract's verdict is kept beside it, for the report."""
    contract = f"{r.outcome}" + (f": {r.reason}" if r.reason else "")
    old = snap.cells.get(r.cell_id)
    try:
        new = entry(r)
    except NoObservation as e:
        new = {"not_observed": str(e)}
    r.expected, r.mismatches = {}, []
    r.baseline = {"file": str(snap.path), "entry": old, "contract": contract}
    shot = snap.shots / shot_name(r.cell)
    if shot.is_file():
        r.baseline["screenshot"] = str(shot.resolve())
    if old is None:
        r.outcome = Outcome.FAIL
        r.reason = f"not in the baseline {snap.path}: a new cell (`spelo-harness approve {snap.path}` takes it)"
        return r
    moves = diff(old, new)
    r.baseline["moved"] = [m.text for m in moves]
    r.baseline["moved_facts"] = sorted({m.fact for m in moves})  # for the report: which rows moved
    if moves:
        fields = list(dict.fromkeys(m.field for m in moves))
        r.outcome, r.mismatches = Outcome.FAIL, [Mismatch(field=m.field, text=m.text) for m in moves]
        r.reason = f"moved from the baseline {snap.path}: {', '.join(fields)}"
    elif r.outcome.failing or r.outcome is Outcome.PASS:  # skipped, limit and quirk stay what they are
        r.outcome, r.reason, r.evidence = Outcome.PASS, f"as recorded in {snap.path}", ""
    return r


# -- taking observations into a baseline (record, approve) -------------------------------------------


def take(
    path: Path, results: list[Result], profile: str | None, replace: bool, more_runs: list[list[Result]] | None = None
) -> tuple[dict[str, list[Move]], int]:
    """Write the results' observations into the baseline at path (all of it when replace, else
    cell by cell into what is there); copy each cell's final screenshot beside it. With
    `more_runs` (record --runs N), each cell's facts are those of every run folded (fold()).
    A cell whose new facts are as its baseline entry allows (its varying facts among the values
    seen) keeps its entry. Returns (cell id -> what moved, for cells that were there before; cells taken)."""
    before = load(path) if path.exists() else None
    old = before.cells if before is not None and not replace else {}
    profile = profile or (before.profile if before is not None else "reference")
    cells = {} if replace else dict(old)
    moved: dict[str, list[Move]] = {}
    others = [{x.cell_id: x for x in run} for run in more_runs or []]
    for r in results:
        new = entry(r)
        if others:
            new = fold([new, *(entry(run[r.cell_id]) for run in others if r.cell_id in run)])
        if r.cell_id in old and old[r.cell_id] != new:
            moves = diff(old[r.cell_id], new)
            if not moves:
                continue  # as the baseline allows: its entry (and what it says varies) stays
            moved[r.cell_id] = moves
        cells[r.cell_id] = new
    write(path, profile, cells)
    _take_shots(path, results, replace)
    return moved, len(results)


def _take_shots(path: Path, results: list[Result], replace: bool) -> None:
    folder = shots_dir(path)
    if replace and folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for r in results:
        target = folder / shot_name(r.cell)
        source = Path(r.screenshot) if r.screenshot else None
        if source is not None and source.is_file():
            shutil.copyfile(source, target)
        else:
            target.unlink(missing_ok=True)  # an old picture must not stand for a cell that has none now


# -- the gate with a snapshot as its baseline ----------------------------------------------------------


def gate(current: dict[str, Result], snap: Snapshot) -> tuple[int, str]:
    """Moved and new cells fail the gate; cells of the baseline this run did not have are listed."""
    if not set(current) & set(snap.cells):
        raise SnapshotError(f"{snap.path}: the baseline has none of these cells: it is for another scenario set")
    moved: dict[str, list[Move]] = {}
    new_cells = sorted(c for c in current if c not in snap.cells)
    for cid, r in sorted(current.items()):
        if cid in snap.cells:
            try:
                moves = diff(snap.cells[cid], entry(r))
            except NoObservation as e:
                raise SnapshotError(f"{e}: the gate needs results of `record` or `run --against`") from None
            if moves:
                moved[cid] = moves
    gone = sorted(set(snap.cells) - set(current))
    failed = bool(moved or new_cells)
    lines = [
        f"## Release gate: {'FAILED' if failed else 'passed'} (snapshot {snap.path})",
        f"{len(current)} cells; {len(moved)} moved, {len(new_cells)} not in the snapshot, {len(gone)} not run.",
    ]
    if moved:
        lines.append("\n### Moved")
        for cid, moves in moved.items():
            lines.append(f"- `{cid}`")
            lines += [f"  - {m}" for m in moves]
    if new_cells:
        lines.append("\n### Not in the snapshot")
        lines += [f"- `{c}`" for c in new_cells]
    if gone:
        lines.append("\n### In the snapshot, not run this time")
        lines += [f"- `{c}`" for c in gone]
    return (1 if failed else 0), "\n".join(lines) + "\n"


def races(snap_cells: dict[str, dict[str, Any]]) -> list[str]:
    """The facts recorded as varying, one line each: the build's races."""
    return [
        f"{cid}: {key}: {' | '.join(show(v) for v in values)}"
        for cid, facts in sorted(snap_cells.items())
        for key, values in sorted((facts.get("varying") or {}).items())
    ]


def is_snapshot(path: Path) -> bool:
    """Whether a baseline file is a snapshot (its first lines name our format)."""
    try:
        with path.open(encoding="utf-8") as f:
            head = f.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^format:\s*['\"]?spelo-harness-snapshot/", head, re.MULTILINE) is not None

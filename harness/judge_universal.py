"""The universal judge (`--judge universal`): properties any microphone widget should hold
(contract/universal.yaml), checked on what the cell observed, never on the reference's words.

A UniversalRecord is filled through the cell's hooks (harness/cell_hooks.py): each page the cell
opened (what it had done before the visitor's first action; its last reading), and each click or
key press with the page before it and at rest after it. One check per property reads it and gives
a Verdict that names the observation that decided it. An engine fact (contract/engine-facts.yaml)
that excuses a property turns its failure into `limit`, with the fact.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from harness import engine_facts, paths
from harness.cell_hooks import CellObserver
from harness.model import Outcome
from harness.observe import HARNESS_ACTIVATION, activation_words
from harness.results import Mismatch, Result
from harness.scenarios import Scenario

TABLE_FILE = paths.CONTRACT_DIR / "universal.yaml"
USER_ACTIONS = ("click", "press", "key")
# Words of a raw browser error or of a JavaScript exception, where a visitor should read a sentence.
RAW_WORDS = re.compile(
    r"\b(NotAllowedError|NotFoundError|NotReadableError|OverconstrainedError|SecurityError|"
    r"AbortError|TypeError|ReferenceError|DOMException|Uncaught|undefined|NaN)\b|\[object \w+\]|"
    r"Permission denied|Permission dismissed|Requested device not found|Invalid constraint|"
    r"not allowed by the user agent"
)


# -- the table -------------------------------------------------------------------------------------


class Property(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    applies: str
    why: str
    decided_by: str


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    properties: list[Property]


def load_table(path: Path = TABLE_FILE) -> list[Property]:
    """The table, checked against the checks here: every property has one, every check a row."""
    from harness.yamlfile import YamlFileError, describe_validation_error, read_yaml

    data, node = read_yaml(path)
    try:
        props = Table.model_validate(data).properties
    except ValidationError as e:
        raise YamlFileError(describe_validation_error(path, node, e)) from None
    ids = [p.id for p in props]
    missing = [i for i in ids if i not in CHECKS and i not in RUN_CHECKS]
    if missing:
        raise YamlFileError(f"{path}: properties: {missing[0]!r} has no check in harness/judge_universal.py")
    unlisted = [i for i in [*CHECKS, *RUN_CHECKS] if i not in ids]
    if unlisted:
        raise YamlFileError(f"{path}: properties: the check {unlisted[0]!r} has no row here")
    return props


@lru_cache(maxsize=1)
def table() -> tuple[Property, ...]:
    return tuple(load_table())


# -- what the cell observed -------------------------------------------------------------------------


@dataclass
class Page:
    """One document the cell opened (a reload or a followed link opens the next)."""

    first: dict[str, Any] | None = None  # the first reading of it
    on_load: list[dict[str, Any]] | None = None  # accesses before the visitor's first action here
    last: dict[str, Any] | None = None  # the last reading of it
    actions: int = 0


@dataclass
class Action:
    """A click or key press: the page before it and at rest after it."""

    index: int
    describe: str
    kind: str
    value: Any
    page: int
    before: dict[str, Any]
    after: dict[str, Any] = field(default_factory=dict)
    unsettled: str | None = None
    leaves: bool = False  # it took the visitor to another page (a link): the widget may be gone


@dataclass
class UniversalRecord:
    scenario: Scenario
    engine: str
    source: str = ""
    pages: list[Page] = field(default_factory=lambda: [Page()])
    actions: list[Action] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)  # (level, text)

    @property
    def prompt_left_open(self) -> bool:
        """The visitor leaves the browser's own prompt unanswered: the page waits on it."""
        return self.scenario.permission == "prompt" and self.scenario.prompt_answer == "ignore"

    def situation(self) -> dict[str, Any]:
        sc = self.scenario
        press = next((s.press or s.key for s in sc.steps if (s.press or s.key) in ("Space", "Enter")), None)
        return {"permission": sc.permission, "device": sc.device, "origin": sc.origin, "embedding": sc.embedding, "steps_press": press}


def accesses(snap: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every way the page reached the microphone in this reading, in order: getUserMedia (all its
    ways, named by api) and speech-recognition starts."""
    snap = snap or {}
    out = [
        {
            "api": c.get("api") or "mediaDevices.getUserMedia",
            "outcome": c.get("outcome"),
            "activation": c.get("activation"),
            "at": c.get("at") or 0,
            "message": c.get("message") or "",
        }
        for c in snap.get("gum") or []
        if isinstance(c, dict)
    ]
    out += [
        {
            "api": f"{c.get('api')}.start",
            "outcome": c.get("outcome"),
            "activation": c.get("activation"),
            "at": c.get("at") or 0,
            "message": c.get("message") or "",
            "ended": c.get("ended"),
            "stops": c.get("stops") or 0,
        }
        for c in snap.get("speech") or []
        if isinstance(c, dict)
    ]
    return sorted(out, key=lambda a: a["at"])


def said(a: dict[str, Any]) -> str:
    return f"{a['api']} → {a['outcome']} ({activation_words(a.get('activation'))})"


def visible(snap: dict[str, Any]) -> str:
    """What the visitor sees of the widget: its text, status and tooltip, and the orb's name."""
    orb = snap.get("orb") or {}
    parts = [
        snap.get("text") or "",
        snap.get("status") or "",
        snap.get("tooltip") or "",
        orb.get("name") or "" if isinstance(orb, dict) else "",
    ]
    seen: list[str] = []
    for p in parts:
        if p and p not in " ".join(seen):
            seen.append(p)
    return " | ".join(seen)


class UniversalObserver(CellObserver):
    """Fills a UniversalRecord through the cell's hooks."""

    def __init__(self, scenario: Scenario, engine: str):
        self.record = UniversalRecord(scenario=scenario, engine=engine)

    @property
    def page(self) -> Page:
        return self.record.pages[-1]

    def page_opened(self, cell: Any) -> None:
        if self.page.first is None:
            self.page.first = cell.observe()

    def before_step(self, cell: Any, index: int, action: Any) -> None:
        if action.kind in USER_ACTIONS and action.applies(cell.profile):  # a step the build has no part for is no action
            snap = cell.observe()
            if self.page.actions == 0:
                self.page.on_load = accesses(snap)
            self.page.actions += 1
            self.record.actions.append(
                Action(
                    index=index,
                    describe=f"step {index} ({action.kind} {action.value})",
                    kind=action.kind,
                    value=action.value,
                    page=len(self.record.pages) - 1,
                    before=snap,
                    leaves=action.leaves_page,
                )
            )
        if action.leaves_page:
            self.page.last = cell.observe()

    def after_step(self, cell: Any, index: int, action: Any, record: Any) -> None:
        if action.leaves_page:
            self.record.pages.append(Page())
            self.page_opened(cell)
        if action.kind in USER_ACTIONS and self.record.actions and self.record.actions[-1].index == index:
            act = self.record.actions[-1]
            if not self.record.prompt_left_open and not record.error:  # else the page waits on the browser
                rest = cell.observe_at_rest(wait_for_peer=False)  # a talking peer is the session living
                act.unsettled = rest.get("unsettled")
            act.after = cell.observe()

    def finish(self, cell: Any) -> None:
        """The last reading of the page and the cell's console, once the steps are done."""
        self.page.last = cell.observe()
        self.record.source = cell.result.engine_source
        self.record.console = [(c.level, c.text) for c in cell.tab.console()]


# -- verdicts ---------------------------------------------------------------------------------------


@dataclass
class Verdict:
    id: str
    verdict: str  # pass | fail | n/a | limit
    observation: str  # what decided it
    fact: str | None = None  # the engine fact behind a limit
    data: dict[str, Any] = field(default_factory=dict)  # what a run-level check reads

    def line(self) -> str:
        return f"{self.id}: {self.verdict} — {self.observation}" + (f" ({self.fact})" if self.fact else "")


def _na(pid: str, why: str) -> Verdict:
    return Verdict(pid, "n/a", why)


def page_errors(rec: UniversalRecord) -> list[str]:
    """The page's uncaught errors, without the lines an engine fact names as the engine's own."""
    return [t for level, t in rec.console if level == "pageerror" and engine_facts.browser_error(rec.engine, rec.source, t) is None]


def no_mic_on_load(rec: UniversalRecord) -> Verdict:
    pid = "no-mic-on-load"
    for n, page in enumerate(rec.pages, 1):
        early = page.on_load if page.on_load is not None else accesses(page.last)
        if early:
            where = "before the visitor's first action" if page.on_load is not None else "with no visitor action"
            return Verdict(pid, "fail", f"page {n}: {said(early[0])} at {early[0]['at']} ms, {where}")
    return Verdict(pid, "pass", f"no microphone access before the visitor's first action ({len(rec.pages)} page(s))")


def access_needs_activation(rec: UniversalRecord) -> Verdict:
    pid = "access-needs-activation"
    every = [a for p in rec.pages for a in accesses(p.last)]
    if not every:
        return _na(pid, "the page never reached for the microphone")
    without = [a for a in every if a["activation"] is False]
    if without:
        return Verdict(pid, "fail", f"{said(without[0])}")
    if all(a["activation"] is None for a in every):
        return _na(pid, "this engine does not report transient activation (navigator.userActivation)")
    consumed = [a for a in every if a["activation"] in HARNESS_ACTIVATION]
    if len(consumed) == len(every):
        return _na(pid, f"{said(consumed[0])}: the harness cannot tell what the page had")
    if consumed:
        known = len(every) - len(consumed)
        return Verdict(pid, "pass", f"{known} access(es) with transient user activation; {len(consumed)} unknown: {said(consumed[0])}")
    return Verdict(pid, "pass", f"{len(every)} access(es), each with transient user activation")


def no_reprompt_after_refusal(rec: UniversalRecord) -> Verdict:
    pid = "no-reprompt-after-refusal"
    refused = engine_facts.refusal_errors(rec.engine, rec.source)
    for i, act in enumerate(rec.actions):
        done = accesses(act.after)
        refusal = next((a for a in done if a["outcome"] in refused), None)
        later = next((b for b in rec.actions[i + 1 :] if b.page == act.page), None)
        if refusal is None or later is None:
            continue
        again = accesses(later.after)[len(done) :]
        if again:
            return Verdict(pid, "fail", f"after {said(refusal)} ({act.describe}), {later.describe} asked again: {said(again[0])}")
        return Verdict(pid, "pass", f"after {said(refusal)} ({act.describe}), {later.describe} made no access")
    return _na(pid, "no refusal followed by another click on the same page")


def _failure(rec: UniversalRecord) -> tuple[str, Action, str] | None:
    """(which failure, the action after which it showed, the access or fact behind it)."""
    refused = engine_facts.refusal_errors(rec.engine, rec.source)
    missing = engine_facts.missing_device_errors(rec.engine, rec.source)
    for act in rec.actions:
        if act.after.get("secure_context") is False:  # told by the end of the visitor's actions there
            return "insecure page", _span(rec, act.page), "window.isSecureContext is false"
        for a in accesses(act.after):
            if a["outcome"] in refused:
                return "refused", act, said(a)
            if a["outcome"] in missing:
                return "missing device", act, said(a)
    return None


def _span(rec: UniversalRecord, page: int) -> Action:
    """All the visitor did on a page as one action: before the first, at rest after the last."""
    acts = [a for a in rec.actions if a.page == page]
    first, last = acts[0], acts[-1]
    label = first.describe if first is last else f"{first.describe} … {last.describe}"
    return Action(**{**asdict(first), "describe": label, "after": last.after, "unsettled": last.unsettled})


def _told(act: Action, failure: str, behind: str, changed: bool = True) -> tuple[bool, str]:
    """(told, what decided it): the visitor sees something (new, unless `changed` is off) after
    the action, and not a raw error."""
    before, after = visible(act.before), visible(act.after)
    raw = RAW_WORDS.search(after)
    messages = [a["message"] for a in accesses(act.after) if a["message"]]
    raw_message = next((m for m in messages if m in after), None)
    if raw_message:  # the browser's own sentence, as getUserMedia rejected with it
        return False, f"{failure} ({behind}): the visitor sees the raw error {raw_message!r} in {after!r}"
    if raw is not None:  # a script's or the browser's error words (a TypeError's 'undefined', an error name)
        return False, f"{failure} ({behind}): the visitor sees an error's own words ({raw.group(0)!r}) in {after!r}"
    if not after or (changed and after == before):
        return False, f"{failure} ({behind}): after {act.describe} the visitor sees {after!r}, as before it"
    return True, f"{failure} ({behind}): after {act.describe} the visitor sees {after!r}"


def failure_told(rec: UniversalRecord) -> Verdict:
    pid = "failure-told"
    found = _failure(rec)
    if found is None:
        return _na(pid, "no refusal, missing device or insecure page in this cell")
    failure, act, behind = found
    ok, said_ = _told(act, failure, behind)
    return Verdict(pid, "pass" if ok else "fail", said_, data={"failure": failure, "seen": visible(act.after)})


def framed_without_allow(rec: UniversalRecord) -> Verdict:
    pid = "framed-without-allow"
    if rec.scenario.embedding != "cross-origin-iframe":
        return _na(pid, f'the widget is not in a cross-origin frame without allow="microphone" ({rec.scenario.embedding})')
    errors = page_errors(rec)
    if errors:
        return Verdict(pid, "fail", f"uncaught error in the frame: {errors[0]!r}")
    if not rec.actions:
        return _na(pid, "the visitor took no action")
    # Told on load is told: a build may say at once that it cannot work in this frame.
    ok, said_ = _told(_span(rec, rec.actions[0].page), "framed without allow", "no uncaught error", changed=False)
    return Verdict(pid, "pass" if ok else "fail", said_)


def click_settles(rec: UniversalRecord) -> Verdict:
    pid = "click-settles"
    if not rec.actions:
        return _na(pid, "the visitor took no action")
    if rec.prompt_left_open:
        return _na(pid, "the visitor leaves the browser's prompt open: the page waits on the browser, not the widget")
    for act in rec.actions:
        if act.unsettled:
            return Verdict(pid, "fail", f"after {act.describe}: {act.unsettled} (state {act.after.get('state')!r})")
        if not act.leaves and (not act.after.get("present") or not (visible(act.after) or act.after.get("orb"))):
            return Verdict(pid, "fail", f"after {act.describe}: nothing of the widget is visible")
    states = " → ".join(str(a.after.get("state")) for a in rec.actions)
    return Verdict(pid, "pass", f"{len(rec.actions)} action(s), each at rest within the bound (states: {states})")


def no_page_error(rec: UniversalRecord) -> Verdict:
    pid = "no-page-error"
    errors = page_errors(rec)
    if errors:
        return Verdict(pid, "fail", f"uncaught: {errors[0]!r}" + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""))
    own = [t for level, t in rec.console if level == "pageerror"]
    if own:
        fact = engine_facts.browser_error(rec.engine, rec.source, own[0])
        return Verdict(
            pid, "pass", f"no uncaught error of the page; {len(own)} line(s) of the engine's own", fact=fact.line() if fact else None
        )
    return Verdict(pid, "pass", "no uncaught error event in the cell's console")


def mic_released(rec: UniversalRecord) -> Verdict:
    pid = "mic-released"
    for i, act in enumerate(rec.actions):
        live_before = [a for a in accesses(act.before) if a["outcome"] in ("ok", "started")]
        if not live_before or act.kind not in USER_ACTIONS:
            continue
        speech = [a for a in accesses(act.after) if a["api"].endswith("Recognition.start") and a["outcome"] == "started"]
        if speech:
            ended = all(a.get("ended") or a.get("stops") for a in speech)
            return Verdict(
                pid,
                "pass" if ended else "fail",
                f"after {act.describe}: speech recognition " + ("ended or stopped" if ended else "still running"),
            )
        live = act.after.get("mic_live")
        if live is None:
            return _na(pid, "the track spy reported nothing in this page (no mic_live reading)")
        return Verdict(
            pid, "pass" if live == 0 else "fail", f"after {act.describe} (the session's end): {live} microphone track(s) still live"
        )
    for n, page in enumerate(rec.pages[1:], 2):
        left = (page.first or {}).get("mic_left_live")
        if isinstance(left, dict) and left.get("tracks"):
            live = left.get("live", 0)
            return Verdict(
                pid, "pass" if live == 0 else "fail", f"leaving page {n - 1}: {live} microphone track(s) still live when it was left"
            )
    return _na(pid, "the microphone was not live when the visitor clicked again or left the page")


CHECKS: dict[str, Callable[[UniversalRecord], Verdict]] = {
    "no-mic-on-load": no_mic_on_load,
    "access-needs-activation": access_needs_activation,
    "no-reprompt-after-refusal": no_reprompt_after_refusal,
    "failure-told": failure_told,
    "framed-without-allow": framed_without_allow,
    "click-settles": click_settles,
    "no-page-error": no_page_error,
    "mic-released": mic_released,
}


def judge(rec: UniversalRecord) -> list[Verdict]:
    """Every property's verdict on this cell, in the table's order; an engine fact's excuse makes
    a failure a limit."""
    out = []
    for prop in table():
        check = CHECKS.get(prop.id)
        if check is None:
            continue  # judged across the run (RUN_CHECKS)
        v = check(rec)
        if v.verdict == "fail":
            fact = engine_facts.excuse(prop.id, rec.engine, rec.source, rec.situation())
            if fact is not None:
                v.verdict, v.fact = "limit", fact.line()
        out.append(v)
    return out


def apply(result: Result, verdicts: list[Verdict]) -> None:
    """The cell's outcome from its verdicts: any fail fails it; else a limit; else pass."""
    result.verdicts = [asdict(v) for v in verdicts]
    failed = [v for v in verdicts if v.verdict == "fail"]
    limits = [v for v in verdicts if v.verdict == "limit"]
    result.mismatches = [Mismatch(field=v.id, observed=v.observation, text=f"{v.id}: {v.observation}") for v in failed]
    if failed:
        result.outcome = Outcome.FAIL
        result.reason = "universal: " + ", ".join(v.id for v in failed)
    elif limits:
        result.outcome, result.reason = Outcome.LIMIT, "; ".join(v.fact or v.id for v in limits)
    else:
        result.outcome = Outcome.PASS
        result.reason = (
            f"universal: {sum(v.verdict == 'pass' for v in verdicts)} held, {sum(v.verdict == 'n/a' for v in verdicts)} not applicable"
        )


# -- across the run ---------------------------------------------------------------------------------


def failures_told_apart(results: list[Result]) -> list[dict[str, Any]]:
    """Per engine: the texts seen after a refusal, a missing device and an insecure page must not
    all be one. A verdict per engine with at least two of these situations."""
    by_engine: dict[str, dict[str, set[str]]] = {}
    for r in results:
        for v in r.verdicts:
            if v.get("id") == "failure-told" and v.get("data", {}).get("failure"):
                d = v["data"]
                by_engine.setdefault(r.engine, {}).setdefault(d["failure"], set()).add(d.get("seen") or "")
    out = []
    for engine, kinds in sorted(by_engine.items()):
        if len(kinds) < 2:
            continue
        texts = {k: sorted(v) for k, v in kinds.items()}
        shared = set.intersection(*(set(v) for v in kinds.values()))
        verdict = "fail" if shared else "pass"
        obs = (
            f"one text for {', '.join(sorted(kinds))}: {sorted(shared)[0]!r}"
            if shared
            else "; ".join(f"{k}: {v[0]!r}" for k, v in sorted(texts.items()))
        )
        out.append({"id": "failures-told-apart", "engine": engine, "verdict": verdict, "observation": obs})
    return out


RUN_CHECKS = {"failures-told-apart": failures_told_apart}

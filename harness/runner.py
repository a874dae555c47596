"""Runs one cell (scenario × engine) through an engine and produces a Result.

The runner knows no engine: it asks the pool for a Tab set up for the cell's situation, takes the
visitor's steps, and waits (on conditions, with a deadline) until what the visitor perceives
matches the expectation, or the quirk's expectation, or the time is up.
"""
from __future__ import annotations

import logging
import re
import time
import wave
from urllib.parse import urlsplit
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from harness import paths
from harness.engines import get_engine, remote
from harness.engines.base import EngineCrashed, RunEnv, Tab, Unsupported
from harness.engines.pool import EnginePool
from harness.origins import MAPPED_HOSTS
from harness.a11y import run_axe
from harness.appearance import judge_look, look_expression, wants_look
from harness.expect_vendor import judge_vendor
from harness.profile import REFERENCE, WidgetProfile
from harness.results import Result, StepRecord
from harness.scenarios import Expect, Scenario
from harness.server import FixtureServer

log = logging.getLogger("spelo.runner")
POLL_S = 0.05
TRANSIENT_STATES = {"loading", "requesting", "connecting"}


@dataclass
class RunOptions:
    output_dir: Path = paths.DEFAULT_OUTPUT
    widget: Path = paths.REFERENCE_WIDGET
    profile: WidgetProfile = REFERENCE
    headed: bool = False
    slowmo_ms: int = 0
    trace: bool = False
    # each | end | failure. "each" (a screenshot after every step) feeds the report's step views;
    # a screenshot costs 30-90 ms, so "end" (one per cell) and "failure" (only of a failed cell,
    # like hand-written tests) are faster (bench/benchmark.py). A failed step always gets its own.
    screenshots: str = "each"
    on_event: Callable[[str], None] | None = None  # progress lines (repro prints each step)
    keep_sites: bool = False  # leave the cell's site registered after the cell (repro --keep-server)
    connect: str | None = None  # a Playwright server's ws:// endpoint that serves the browsers


class Harness:
    """The per-process ladder: options → fixture server → engine pool; cells get fresh contexts."""

    def __init__(self, options: RunOptions):
        self.options = options
        self.server: FixtureServer | None = None
        self.pool: EnginePool | None = None
        self.env: RunEnv | None = None

    def start(self) -> "Harness":
        out = Path(self.options.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.server = FixtureServer(widget=self.options.widget)
        origins = self.server.start()
        silence = out / "silence.wav"
        write_silence(silence)
        self.env = RunEnv(origins=origins, mapped_hosts=MAPPED_HOSTS, ca_pem=self.server.ca.ca_pem,
                          leaf_spki_sha256=self.server.ca.leaf_spki_sha256(), output_dir=out,
                          silence_wav=silence.resolve(), headed=self.options.headed,
                          slowmo_ms=self.options.slowmo_ms, trace=self.options.trace,
                          connect=self.options.connect)
        self.pool = EnginePool(self.env)
        return self

    def close(self) -> None:
        from harness.engines.playwright_tab import stop_playwright

        # Every step even when one before failed (an interrupt may have taken Playwright's driver
        # first): the server, and with it the run's CA folder, must always go.
        try:
            if self.pool is not None:
                self.pool.close()
        finally:
            try:
                stop_playwright()
            finally:
                if self.server is not None:
                    self.server.stop()

    def __enter__(self) -> "Harness":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def run_cell(self, scenario: Scenario, engine: str) -> Result:
        return CellRun(self, scenario, engine).run()


def write_silence(path: Path, seconds: float = 2.0, rate: int = 48000) -> None:
    """A WAV of zeros: the 'silent device' Chromium plays as its fake microphone."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))


class CellRun:
    def __init__(self, harness: Harness, scenario: Scenario, engine: str):
        self.h = harness
        self.sc = scenario
        self.engine = engine
        self.profile = harness.options.profile
        self.frame = scenario.frame()
        self.dir = Path(harness.options.output_dir) / "cells" / re.sub(r"[^A-Za-z0-9_.-]", "_", f"{scenario.id}-{engine}")
        self.result = Result(scenario=scenario.id, engine=engine, outcome="fail", title=scenario.title,
                             source=scenario.source, artifacts=str(self.dir))
        self.tab: Tab | None = None
        self.site_id = ""
        self.axe: dict[str, Any] | None = None
        self.wants_look = wants_look(scenario)

    # -- the cell ----------------------------------------------------------------------------
    def run(self) -> Result:
        started = time.monotonic()
        r = self.result
        try:
            if self.engine in self.sc.skip:
                return self._skip(self.sc.skip[self.engine])
            eng = get_engine(self.engine)
            # With --connect the server's browsers count, not what is installed here.
            avail = remote.availability(self.engine, self.h.env.connect) if self.h.env.connect else eng.availability()
            r.engine_source = avail.source
            if not avail.usable:
                return self._skip(f"{self.engine} not usable here: {avail.reason}")
            situation = self.sc.situation(self.engine)
            r.means = eng.describe(situation)
            self.dir.mkdir(parents=True, exist_ok=True)
            env = RunEnv(**{**self.h.env.__dict__, "output_dir": self.dir})
            self.tab = self.h.pool.new_tab(self.engine, situation, env)
            r.engine_version = self.h.pool.versions.get(self.engine, "")
            self._run_steps()
        except Unsupported as e:
            return self._skip(f"{self.engine} cannot make this situation: {e}")
        except EngineCrashed as e:
            r.outcome, r.reason = "fail", f"the browser crashed: {e}"
            self.h.pool.discard(self.engine, self.sc.situation(self.engine))
        except StepFailed as e:
            r.outcome, r.reason = "fail", str(e)
        except Exception as e:  # a cell's own failure must not take the run down
            log.exception("cell %s crashed", r.cell_id)
            r.outcome, r.reason = "fail", f"harness error: {type(e).__name__}: {e}"
        finally:
            self._collect()
            r.duration_s = round(time.monotonic() - started, 3)
        return r

    def _skip(self, reason: str) -> Result:
        self.result.outcome, self.result.reason = "skipped", reason
        return self.result

    def _run_steps(self) -> None:
        site = self.sc.site
        registered = self.h.server.new_site(config=dict(site.config), domains=site.domains,
                                            faults=dict(site.faults), site_id=site.site_id)
        self.site_id = registered.site_id
        if site.peer:
            try:
                self.h.server.peer.configure(self.site_id, **site.peer)
            except (TypeError, ValueError) as e:
                raise StepFailed(f"site.peer: {e}") from None
        inject = ",".join(f"{k}:{v}" for k, v in self.sc.inject.items())
        if inject:
            self.result.injected = [inject]
            self.result.means.append(f"INJECTED FAULT (no real means exists): {inject}")
        url = self.h.env.origins.page_url(self.sc.origin, self.sc.embedding, self.sc.page, self.site_id, inject)
        self.result.url = url
        self.tab.goto(url)
        self.observe()  # the first probe also starts the page's state history
        quirk = self.sc.quirk_for(self.engine, self.result.engine_source)
        steps = quirk.steps if quirk is not None and quirk.steps is not None else self.sc.steps
        self._say(f"open {url}")
        for i, step in enumerate(steps, 1):
            rec = StepRecord(index=i, action=step.describe())
            self.result.steps.append(rec)
            self._say(f"step {i}: {rec.action}")
            try:
                self._step(step)
            except StepFailed as e:
                rec.error = str(e)
                self._shot(rec, f"{i:02d}-failed")
                raise StepFailed(f"step {i} ({rec.action}): {e}") from None
            if self.h.options.screenshots == "each":
                self._shot(rec, f"{i:02d}-{re.sub(r'[^a-z0-9]+', '-', rec.action.lower())}")
        self._final()

    def _say(self, line: str) -> None:
        if self.h.options.on_event is not None:
            self.h.options.on_event(line)

    def _step(self, step) -> None:
        if step.click:
            selector = self.profile.selector(step.click)
            self._wait_visible(selector)
            self.tab.click(selector, self.frame)
        elif step.press:
            self._wait_visible(self.profile.orb)
            self.tab.press(self.profile.orb, step.press, self.frame)
        elif step.key:
            self.tab.press("", step.key, self.frame)
        elif step.axe:
            try:
                self.axe = run_axe(self.tab, self.frame, self.profile.root, self._deadline())
            except (TimeoutError, RuntimeError) as e:
                raise StepFailed(str(e)) from None
        elif step.reload:
            self.tab.reload()
        elif step.clear_storage:
            self.tab.evaluate("localStorage.clear(), true", self.frame)
        elif step.expect is not None:
            self._await(step.expect, None)

    def _final(self) -> None:
        sc, r = self.sc, self.result
        quirk = sc.quirk_for(self.engine, r.engine_source)
        if quirk is None:
            self._await(sc.expect, None)
            r.outcome = "pass"
            return
        which = self._await(sc.expect_for(self.engine, r.engine_source), sc.expect)
        if which == "primary":
            r.outcome, r.reason, r.evidence = quirk.kind, quirk.reason, quirk.evidence
        else:
            r.outcome = "stale-quirk"
            r.reason = (f"{self.engine} now behaves like the other engines; the quirk "
                        f"'{quirk.reason}' no longer happens and should be removed")

    # -- waiting and observing -----------------------------------------------------------------
    def _deadline(self) -> float:
        return time.monotonic() + self.sc.timeout_s

    def _wait_visible(self, selector: str) -> None:
        expr = self.profile.visible_expression(selector)
        end = self._deadline()
        while not self._safe_eval(expr):
            if time.monotonic() > end:
                raise StepFailed(f"{selector} did not become visible within {self.sc.timeout_s:g} s")
            self.tab.settle(POLL_S, self.frame)  # poll, ended early by a change in the page

    def _safe_eval(self, expr: str) -> Any:
        try:
            return self.tab.evaluate(expr, self.frame)
        except EngineCrashed:
            raise
        except Exception:  # navigation in progress, frame not there yet: try again
            return None

    def observe(self) -> dict[str, Any]:
        snap = self.profile.to_reference(self._safe_eval(self.profile.probe_expression()) or {"present": False})
        snap["console"] = [c.text for c in self.tab.console()]
        api_log = self.h.server.request_log(self.site_id)
        snap["api_calls"] = [e["endpoint"] for e in api_log]
        snap["api_log"] = api_log
        snap["analytics"] = [e["event"] for e in api_log if e.get("event")]
        snap["peer"] = self.h.server.peer.report(self.site_id)
        snap["browser_prompts"] = self.tab.browser_prompts()
        snap["axe"] = self.axe
        if self.wants_look:
            snap["orb_look"] = self._safe_eval(look_expression(self.profile.orb))
        return snap

    def _await(self, expect: Expect, alternative: Expect | None) -> str:
        """Poll until `expect` holds ("primary") or `alternative` does ("alternative")."""
        end = self._deadline()
        while True:
            snap = self.observe()
            misses = compare(expect, snap)
            if not misses:
                self._record(expect, snap, [])
                return "primary"
            if alternative is not None and not compare(alternative, snap):
                self._record(alternative, snap, [])
                return "alternative"
            if time.monotonic() > end:
                self._record(expect, snap, misses)
                raise StepFailed(f"not as expected after {self.sc.timeout_s:g} s: " + "; ".join(misses))
            self.tab.settle(POLL_S, self.frame)  # poll, ended early by a change in the page

    def _record(self, expect: Expect, snap: dict[str, Any], misses: list[str]) -> None:
        self.result.expected = expect.model_dump(exclude_defaults=True)
        self.result.seen = {k: v for k, v in snap.items() if k not in ("console", "peer", "api_log")}
        self.result.mismatches = misses

    def _shot(self, rec: StepRecord | None, name: str) -> str | None:
        path = self.dir / f"{name}.png"
        try:
            self.tab.screenshot(path)
        except Exception as e:  # evidence is best effort; the cell's verdict stands
            log.warning("screenshot %s failed: %s", path, e)
            return None
        if rec is not None:
            rec.screenshot = str(path)
        return str(path)

    def _collect(self) -> None:
        r = self.result
        if self.tab is None:
            return
        try:
            r.console = [f"[{c.level}] {c.text}" for c in self.tab.console()]
            r.browser_prompts = self.tab.browser_prompts()
            if r.outcome != "skipped" and (self.h.options.screenshots != "failure" or not r.ok):
                r.screenshot = self._shot(None, "final")
        except Exception as e:
            log.warning("collecting evidence of %s failed: %s", r.cell_id, e)
        finally:
            if self.site_id:
                r.peer = peer_summary(self.h.server.peer.report(self.site_id))
                r.api_log = [{k: v for k, v in e.items() if k != "t"} for e in self.h.server.request_log(self.site_id)]
                if not self.h.options.keep_sites:
                    self.h.server.sites.remove(self.site_id)
            self.tab.close()


class StepFailed(Exception):
    pass


def compare(expect: Expect, snap: dict[str, Any]) -> list[str]:
    """Every way the snapshot differs from the expectation, as 'field: expected X, seen Y'."""
    misses: list[str] = []

    def check(name: str, want: Any, seen: Any) -> None:
        if want is not None and want != seen:
            misses.append(f"{name}: expected {want!r}, seen {seen!r}")

    state = snap.get("state")
    if expect.state is not None:
        check("state", expect.state, state)
    elif state in TRANSIENT_STATES:
        misses.append(f"state: still {state!r}")
    check("status", expect.status, snap.get("status"))
    check("tooltip", expect.tooltip, snap.get("tooltip"))
    check("notice", expect.notice, snap.get("notice"))
    check("fallback", expect.fallback, snap.get("fallback"))
    text = snap.get("text") or ""
    for t in expect.text_contains:
        if t not in text:
            misses.append(f"text: expected to contain {t!r}, seen {text!r}")
    console = snap.get("console") or []
    for line in set(expect.console):
        want, seen = expect.console.count(line), console.count(line)
        if seen < want:
            misses.append(f"console: expected {line!r}" + (f" {want} times, seen {seen}" if want > 1 else ", not seen"))
    for bad in expect.console_absent:
        hits = [c for c in console if bad in c]
        if hits:
            misses.append(f"console: {bad!r} must not appear, seen {hits[0]!r}")
    gum = snap.get("gum") or []
    check("getUserMedia calls", expect.gum_calls, len(gum))
    if expect.gum_errors is not None:
        check("getUserMedia outcomes", expect.gum_errors, [c["outcome"] for c in gum])
    if expect.gum_needs_activation is not None:
        without = [c for c in gum if c.get("activation") is False]
        if expect.gum_needs_activation and without:
            misses.append(f"getUserMedia: {len(without)} call(s) without user activation")
    if expect.browser_prompts is not None and snap.get("browser_prompts") is not None:
        check("browser prompts", expect.browser_prompts, snap.get("browser_prompts"))
    check("API calls", expect.api_calls, snap.get("api_calls") if expect.api_calls is not None else None)
    check("present", expect.present, snap.get("present"))
    history = snap.get("history") or []
    if expect.states_seen is not None and not in_order(expect.states_seen, [h["state"] for h in history]):
        misses.append(f"states over time: expected {expect.states_seen} in order, seen {[h['state'] for h in history]}")
    if expect.status_seen is not None and not in_order(expect.status_seen, [h["status"] for h in history]):
        misses.append(f"status texts over time: expected {expect.status_seen} in order, seen {[h['status'] for h in history]}")
    check("analytics events", expect.analytics, snap.get("analytics") if expect.analytics is not None else None)
    peer = snap.get("peer") or {}
    audio = peer.get("audio") or {}
    if expect.peer_audio_rms_min is not None or expect.peer_audio_rms_max is not None:
        if audio.get("seconds", 0) < 1.0:
            misses.append(f"peer audio: {audio.get('seconds', 0):.2f} s received, need ≥ 1 s to measure")
        elif expect.peer_audio_rms_min is not None and audio["rms"] < expect.peer_audio_rms_min:
            misses.append(f"peer audio: RMS {audio['rms']:.4f} below {expect.peer_audio_rms_min}")
        elif expect.peer_audio_rms_max is not None and audio["rms"] > expect.peer_audio_rms_max:
            misses.append(f"peer audio: RMS {audio['rms']:.4f} above {expect.peer_audio_rms_max}")
    if expect.peer_tool_result is not None:
        check("peer tool result", expect.peer_tool_result, peer.get("tool_result") is not None)
    check("peer offers", expect.peer_offers, peer.get("offers") if expect.peer_offers is not None else None)
    if expect.url_path is not None:
        seen_path = urlsplit(snap.get("url") or "").path
        check("page", expect.url_path, seen_path)
    orb = snap.get("orb") or {}
    check("orb name", expect.orb_name, orb.get("name"))
    if expect.orb_is_button is not None:
        check("orb is a <button>", expect.orb_is_button, orb.get("tag") == "button")
    check("orb focused", expect.orb_focused, orb.get("focused"))
    if expect.live_region is not None:
        check("live region", expect.live_region, (snap.get("live_regions") or 0) > 0)
    if expect.axe_max_impact_violations is not None:
        axe = snap.get("axe")
        if axe is None:
            misses.append("axe: no axe step ran before this expectation")
        elif len(axe["violations"]) > expect.axe_max_impact_violations:
            misses.append("axe: serious/critical violations: " + "; ".join(
                f"{v['id']} ({v['impact']}): {v['help']}" for v in axe["violations"]))
    misses += judge_vendor(expect, snap)
    misses += judge_look(expect, snap)
    return misses


def in_order(wanted: list[str], seen: list[str]) -> bool:
    """Every wanted item appears in seen, in this order (other items may come between)."""
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)


def peer_summary(report: dict[str, Any]) -> dict[str, Any]:
    """What a person reading a cell's details wants of the peer's report."""
    if not report.get("offers") and not report.get("refused"):
        return {}
    keys = ("state", "states", "audio", "speaking", "tool_call", "tool_result", "candidates", "offers", "refused")
    return {k: report.get(k) for k in keys}

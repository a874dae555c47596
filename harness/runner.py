"""Runs one cell (scenario × engine) through an engine and produces a Result.

The runner knows no engine: it asks the pool for a Tab set up for the cell's situation, takes the
visitor's steps, and waits (on conditions, with a deadline) until what the visitor perceives
matches the expectation, or the quirk's expectation, or the time is up.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from harness import paths
from harness.engines import availability, get_engine
from harness.engines.playwright import remote
from harness.engines.base import EngineCrashed, RunEnv, Tab, Unsupported
from harness.engines.pool import EnginePool
from harness.engines.watchdog import PageHung
from harness.appearance import look_expression, wants_look
from harness.cell_hooks import CellObserver, Observers
from harness.expect import TRANSIENT_STATES
from harness.judge_contract import judge, not_applicable
from harness.judge_universal import UniversalObserver
from harness.judge_universal import apply as apply_verdicts
from harness.judge_universal import judge as judge_universal
from harness.limits import cap_observation
from harness.model import Outcome, Stop
from harness.phases import PhaseClock
from harness.profile import REFERENCE, WidgetProfile
from harness.results import Mismatch, Result, StepRecord, cell_slug
from harness.scenarios import Expect, Scenario
from harness.server import FixtureServer
from harness.steps import StepFailed, action_for

__all__ = ["CellRun", "Harness", "RunOptions", "StepFailed", "peer_summary"]

log = logging.getLogger("spelo.runner")
POLL_S = 0.05
_T = TypeVar("_T")


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
    # like hand-written tests) are faster (bench/benchmark.py). A failed step always gets its own,
    # except with "none": mutate's cells, whose failures are verdicts on mutants, not evidence.
    screenshots: str = "each"
    # An expect step that does not hold is recorded and the later steps run (soft, as soft
    # assertions). False: it ends the cell, as mutate wants (a failure is its verdict on the
    # mutant; every later wait would run out its bound too, for nothing).
    soft_expect: bool = True
    on_event: Callable[[str], None] | None = None  # progress lines (repro prints each step)
    keep_sites: bool = False  # leave the cell's site registered after the cell (repro --keep-server)
    connect: str | None = None  # a Playwright server's ws:// endpoint that serves the browsers
    listen: str | None = None  # the fixture server's address for a server on another host (remote.network)
    observe: bool = False  # record what the visitor perceived at rest, for snapshots (observe.py)
    # told of every cell's steps, rest and end (harness/cell_hooks.py); a cell may add its own
    observers: list[CellObserver] = field(default_factory=list)
    # what decides a cell's outcome: the scenario's expectations through the profile (contract),
    # the properties any microphone widget holds (universal: judge_universal.py), or a baseline
    # (snapshot: the plugin judges the observation by snapshot.py after the cell)
    judge: str = "contract"


class Harness:
    """The per-process ladder: options → fixture server → engine pool; cells get fresh contexts."""

    def __init__(self, options: RunOptions):
        self.options = options
        self._server: FixtureServer | None = None
        self._pool: EnginePool | None = None
        self._env: RunEnv | None = None

    # Made by start(); a harness not started has none of them, and asking for one is a bug.
    @property
    def server(self) -> FixtureServer:
        return _started(self._server, "the harness's server (Harness.start())")

    @property
    def pool(self) -> EnginePool:
        return _started(self._pool, "the harness's engine pool (Harness.start())")

    @property
    def env(self) -> RunEnv:
        return _started(self._env, "the harness's RunEnv (Harness.start())")

    def start(self) -> "Harness":
        out = Path(self.options.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        network = remote.network(self.options.connect, self.options.listen)
        server = self._server = FixtureServer(widget=self.options.widget, network=network, embed=self.options.profile.embed)
        origins = server.start()
        self._env = RunEnv(
            origins=origins,
            mapped_hosts=network.mapped_hosts(),
            ca_pem=server.ca.ca_pem,
            leaf_spki_sha256=server.ca.leaf_spki_sha256(),
            output_dir=out,
            headed=self.options.headed,
            slowmo_ms=self.options.slowmo_ms,
            trace=self.options.trace,
            connect=self.options.connect,
        )
        self._pool = EnginePool(self._env)
        return self

    def close(self) -> None:
        from harness.engines.playwright.tab import stop_playwright

        # Every step even when one before failed (an interrupt may have taken Playwright's driver
        # first): the server, and with it the run's CA folder, must always go.
        try:
            if self._pool is not None:
                self._pool.close()
        finally:
            try:
                stop_playwright()
            finally:
                if self._server is not None:
                    self._server.stop()

    def __enter__(self) -> "Harness":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_cell(
        self,
        scenario: Scenario,
        engine: str,
        observers: Iterable[CellObserver] = (),
        bounds: list[float] | None = None,
        rests: list[float | None] | None = None,
    ) -> Result:
        """bounds: each wait's bound (seconds) in each step, then in the final expectation, where
        not the scenario's timeout_s (mutate: each a little over what it took with no mutant).
        rests: in the same order, how long a wrong page must stay at rest to be judged; None (or
        none given): REST_S (mutate: less where the step took no time with no mutant)."""
        return CellRun(self, scenario, engine, observers, bounds, rests).run()


def _started(part: _T | None, what: str) -> _T:
    if part is None:
        raise RuntimeError(f"{what} asked for before it was made (a bug of the caller)")
    return part


class CellRun:
    """One cell's way: situation → tab → steps (harness/steps.py) → the final expectation →
    evidence. Observers (RunOptions.observers and the cell's own) are told at each hook."""

    def __init__(
        self,
        harness: Harness,
        scenario: Scenario,
        engine: str,
        observers: Iterable[CellObserver] = (),
        bounds: list[float] | None = None,
        rests: list[float | None] | None = None,
    ):
        self.harness = harness
        self.scenario = scenario
        self.bounds = bounds or []  # per step, then the final expectation (Harness.run_cell)
        self.rests = rests or []  # ... the same for the rest that judges a wrong page
        self.wait_bound = float(scenario.timeout_s)  # each wait of the step being taken
        self.rest_s = REST_S  # ... and the rest that judges a wrong page there
        self.engine = engine
        self.profile = harness.options.profile
        self.frame = scenario.frame()
        self.dir = Path(harness.options.output_dir) / "cells" / cell_slug(scenario.id, engine)
        self.result = Result(
            scenario=scenario.id, engine=engine, outcome=Outcome.FAIL, title=scenario.title, source=scenario.source, artifacts=str(self.dir)
        )
        self._tab: Tab | None = None  # the cell's page, once the browser gave one (see tab)
        self.site_id = ""
        self.axe: dict[str, Any] | None = None
        self.vendor: Any = None  # the cell's vendor fake, where the profile names one
        self.clock = PhaseClock()
        self.soft_failures: list[str] = []  # expect steps that did not hold (the cell went on)
        self.soft_expect = harness.options.soft_expect
        self.wants_look = wants_look(scenario)  # the orb's look is read only where asked for
        self.judging = harness.options.judge
        self.result.judge = self.judging
        # the universal judge reads the cell through its hooks, like any observer
        self.universal = UniversalObserver(scenario, engine) if self.judging == "universal" else None
        own = [self.universal] if self.universal is not None else []
        self.observers = Observers([*harness.options.observers, *own, *observers])

    @property
    def tab(self) -> Tab:
        """The cell's page: the steps and probes run only after run() got it from the browser."""
        return _started(self._tab, "the cell's tab (CellRun.run())")

    @property
    def observing(self) -> bool:
        """A snapshot run: the page is also read at rest (RunOptions.observe)."""
        return self.harness.options.observe

    @property
    def has_tab(self) -> bool:
        return self._tab is not None

    @property
    def server(self) -> FixtureServer:
        return self.harness.server

    # -- the cell ----------------------------------------------------------------------------
    def run(self) -> Result:
        started = time.monotonic()
        r = self.result
        try:
            if self.engine in self.scenario.skip:
                return self._skip(self.scenario.skip[self.engine])
            not_here = self.profile.not_applicable_reason(self.scenario.id) or self._missing_part()
            if not_here:
                return self._skip(f"not applicable to {self.profile.name}: {not_here}")
            eng = get_engine(self.engine)
            with self.clock.phase("engine check"):
                avail = availability(self.engine, self.harness.env.connect)
            r.engine_source = avail.source
            if not avail.usable:
                return self._skip(f"{self.engine} not usable here: {avail.reason}")
            situation = self.scenario.situation(self.engine)
            r.means = eng.describe(situation)
            self.dir.mkdir(parents=True, exist_ok=True)
            env = replace(self.harness.env, output_dir=self.dir)  # the cell's own folder for its artifacts
            launches = sum(self.harness.pool.launches.values())
            with self.clock.phase("browser"):
                browser = self.harness.pool.browser(self.engine, situation)
            # named for what it was: a launch, or a browser kept from an earlier cell
            self.clock.phases["launch" if sum(self.harness.pool.launches.values()) > launches else "reuse"] = self.clock.phases.pop(
                "browser"
            )
            with self.clock.phase("context"):
                self._tab = eng.new_tab(browser, situation, env)  # what pool.new_tab does, timed apart
                if self.profile.vendor is not None:  # the build's vendor hosts go to our fake (vendor_fake.py)
                    from harness.vendor_fake import new_fake

                    self.vendor = new_fake(self.profile.vendor)
                    self.tab.route_vendor(self.vendor)
            r.engine_version = self.harness.pool.versions.get(self.engine, "")
            self._run_steps()
        except Unsupported as e:
            return self._skip(f"{self.engine} cannot make this situation: {e}")
        except PageHung as e:  # the harness ended a page that did not answer: the verdict says what
            r.outcome, r.reason, r.stopped = Outcome.FAIL, str(e), Stop.TIMEOUT
            self.harness.pool.discard(self.engine, self.scenario.situation(self.engine))
        except EngineCrashed as e:
            r.outcome, r.reason, r.stopped = Outcome.FAIL, f"the browser crashed: {e}", Stop.CRASH
            self.harness.pool.discard(self.engine, self.scenario.situation(self.engine))
        except StepFailed as e:
            r.outcome, r.reason = Outcome.FAIL, str(e)
        except Exception as e:  # a cell's own failure must not take the run down
            log.exception("cell %s crashed", r.cell_id)
            r.outcome, r.reason, r.stopped = Outcome.FAIL, f"harness error: {type(e).__name__}: {e}", Stop.HARNESS_ERROR
        finally:
            if self.harness.options.observe and self._tab is not None and r.stopped == Stop.TIMEOUT:
                # Ended by the harness: that is what a visitor perceived (counts and seconds vary
                # from run to run; the snapshot keeps what and where).
                r.observed = {"unobservable": re.sub(r"\b[\d,]+ (lines|s)\b", r"N \1", r.reason)}
            elif self.harness.options.observe and self._tab is not None:
                from harness.observe import safely_at_rest

                with self.clock.phase("observe at rest"):
                    r.observed = safely_at_rest(self)
                if "unobservable" not in r.observed and "unsettled" not in r.observed:
                    self.observers.call("at_rest", self, r.observed)
            self.observers.call("at_end", self, r)  # the verdict is made; the page still open
            with self.clock.phase("teardown"):
                self._collect()
            r.duration_s = round(time.monotonic() - started, 3)
            r.phases, r.phase_parts = self.clock.phases, self.clock.parts
        return r

    def _skip(self, reason: str) -> Result:
        self.result.outcome, self.result.reason = Outcome.SKIPPED, reason
        return self.result

    def _run_steps(self) -> None:
        site = self.scenario.site
        registered = self.harness.server.new_site(
            config=dict(site.config), domains=site.domains, faults=dict(site.faults), site_id=site.site_id
        )
        self.site_id = registered.site_id
        if site.peer:
            try:
                self.harness.server.peer.configure(self.site_id, **site.peer)
            except (TypeError, ValueError) as e:
                raise StepFailed(f"site.peer: {e}") from None
        inject = ",".join(f"{k}:{v}" for k, v in self.scenario.inject.items())
        if inject:
            self.result.injected = [inject]
            self.result.means.append(f"INJECTED FAULT (no real means exists): {inject}")
        url = self.harness.env.origins.page_url(self.scenario.origin, self.scenario.embedding, self.scenario.page, self.site_id, inject)
        self.result.url = url
        quirk = self.scenario.quirk_for(self.engine, self.result.engine_source)
        steps = quirk.steps if quirk is not None and quirk.steps is not None else self.scenario.steps
        if any(step.clock for step in steps):  # the harness's clock, before the page's scripts
            self.tab.install_clock()
            self.result.means.append("the page's clock is the harness's (timers fast-forwarded by clock steps)")
        with self.clock.phase("navigation"):
            self.tab.goto(url)
            self.observe()  # the first probe also starts the page's state history
            if self.universal is not None:
                self.universal.page_opened(self)
        self._say(f"open {url}")
        for i, step in enumerate(steps, 1):
            self._bound(i - 1)
            action = action_for(step)
            rec = StepRecord(index=i, action=step.describe())
            self.result.steps.append(rec)
            self._say(f"step {i}: {rec.action}")
            self.observers.call("before_step", self, i, action)
            try:
                with self.clock.phase(f"step {i}: {rec.action}"):
                    action.run(self)
            except StepFailed as e:
                rec.error, rec.verdict = str(e), "failed"
                self._shot(rec, f"{i:02d}-failed")
                self.observers.call("after_step", self, i, action, rec)
                for j, later in enumerate(steps[i:], i + 1):  # shown, never taken
                    self.result.steps.append(StepRecord(index=j, action=later.describe(), verdict="not run"))
                raise StepFailed(self._with_soft(f"step {i} ({rec.action}): {e}")) from None
            if rec.verdict is None:
                rec.verdict = "done"
            elif rec.verdict == "fail":
                self._shot(rec, f"{i:02d}-failed")
            self.observers.call("after_step", self, i, action, rec)
            if self.harness.options.screenshots == "each":
                with self.clock.phase("step screenshots"):
                    self._shot(rec, f"{i:02d}-{re.sub(r'[^a-z0-9]+', '-', rec.action.lower())}")
        self._bound(len(steps))
        with self.clock.phase("expect"):
            try:
                self._final()
            except StepFailed as e:
                raise StepFailed(self._with_soft(str(e))) from None
        if self.soft_failures:
            self.result.outcome = Outcome.FAIL
            raise StepFailed("; ".join(self.soft_failures))

    def _bound(self, index: int) -> None:
        """The waits of step index (0-based; len(steps): the final expectation) are bounded by
        bounds[index] where given, else by the scenario's timeout_s."""
        own = self.bounds[index] if index < len(self.bounds) else None
        self.wait_bound = float(self.scenario.timeout_s) if own is None else min(own, float(self.scenario.timeout_s))
        rest = self.rests[index] if index < len(self.rests) else None
        self.rest_s = REST_S if rest is None else rest

    def _with_soft(self, failure: str) -> str:
        """A cell's failure, after the soft expectations that failed before it."""
        return "; ".join([*self.soft_failures, failure])

    def _missing_part(self) -> str | None:
        """Why this build cannot take the scenario's steps (a part it does not have), if so:
        the cell is shown as not applicable rather than run against nothing."""
        p = self.profile
        for step in self.scenario.steps:
            if step.click in ("cancel", "fallback") and p.selector(step.click) is None:
                return f"it has no {'notice to cancel' if step.click == 'cancel' else 'fallback link'} (profile)"
        wants_notice = [e for e in [self.scenario.expect, *(s.expect for s in self.scenario.steps if s.expect)] if e.notice]
        if wants_notice and p.notice is None and self.judging != "universal":  # the contract's expectation
            return "it has no notice step (profile: notice: none)"
        return None

    def _say(self, line: str) -> None:
        if self.harness.options.on_event is not None:
            self.harness.options.on_event(line)

    def observe_at_rest(self, wait_for_peer: bool = True) -> dict[str, Any]:
        """What the visitor perceives once the page stops changing (observe.py); observers hear it."""
        from harness.observe import at_rest

        facts = at_rest(self, wait_for_peer)
        if "unsettled" not in facts:
            self.observers.call("at_rest", self, facts)
        return facts

    def _final(self) -> None:
        if self.universal is not None:
            return self._final_universal(self.universal)
        sc, r = self.scenario, self.result
        quirk = sc.quirk_for(self.engine, r.engine_source)
        if quirk is None:
            self.await_expect(sc.expect, None)
            r.outcome = Outcome.PASS
            return
        which = self.await_expect(sc.expect_for(self.engine, r.engine_source), sc.expect)
        if which == "primary":
            r.outcome, r.reason, r.evidence = Outcome(quirk.kind), quirk.reason, quirk.evidence
        else:
            r.outcome = Outcome.STALE_QUIRK
            r.reason = (
                f"{self.engine} now behaves like the other engines; the quirk '{quirk.reason}' no longer happens and should be removed"
            )

    def _final_universal(self, observer: UniversalObserver) -> None:
        """The cell at rest, judged by the universal properties (no contract, no quirk)."""
        if not observer.record.prompt_left_open:
            self.observe_at_rest()
        observer.finish(self)
        snap = self.observe()
        self.result.expected = {}
        self.result.seen = {k: v for k, v in snap.items() if k not in ("console", "peer", "api_log")}
        apply_verdicts(self.result, judge_universal(observer.record))

    # -- waiting and observing -----------------------------------------------------------------
    def deadline(self) -> float:
        return time.monotonic() + self.wait_bound

    def wait_visible(self, selector: str) -> None:
        expr = self.profile.visible_expression(selector)
        end = self.deadline()
        while not self.safe_eval(expr):
            if time.monotonic() > end:
                raise StepFailed(f"{selector} did not become visible within {self.wait_bound:g} s")
            with self.clock.part("waits"):
                self.tab.settle(POLL_S, self.frame)  # poll, ended early by a change in the page

    def safe_eval(self, expr: str) -> Any:
        try:
            return self.tab.evaluate(expr, self.frame)
        except EngineCrashed:
            raise
        except self.tab.transient_errors:  # navigation in progress, frame not there yet: try again
            return None

    def observe(self) -> dict[str, Any]:
        with self.clock.part("probe"):
            # as the build showed it, in its own words: the profile's map is the contract judge's
            snap = self.safe_eval(self.profile.probe_expression()) or {"present": False}
        cap_observation(snap, self.result.dropped)  # a page's flood of calls must not flood the cell
        snap["console"] = [c.text for c in self.tab.console()]
        api_log = self.harness.server.request_log(self.site_id)
        snap["api_calls"] = [e["endpoint"] for e in api_log]
        snap["api_log"] = api_log
        snap["analytics"] = [e["event"] for e in api_log if e.get("event")]
        snap["peer"] = self.harness.server.peer.report(self.site_id)
        snap["browser_prompts"] = self.tab.browser_prompts()
        snap["axe"] = self.axe
        if self.vendor is not None:
            snap["vendor"] = list(self.vendor.log)
        if self.wants_look:
            snap["orb_look"] = self.safe_eval(look_expression(self.profile.path(self.profile.orb)))
        return snap

    def await_expect(self, expect: Expect, alternative: Expect | None) -> str:
        """Poll until `expect` holds ("primary") or `alternative` does ("alternative"). A wrong
        page is judged once it is at rest (nothing it shows or did changed for rest_s, no
        microphone call or request pending, no passing state), not at the deadline, which
        stays for pages that never rest."""
        started = time.monotonic()
        end = started + self.wait_bound
        rest = RestWatch(self.profile, self.rest_s)
        while True:
            snap = self.observe()
            misses = judge(expect, snap, self.profile)  # the table of checks: harness/expect.py
            # A call the build made at the last moment may still be on its way to the API's log: an
            # absence holds only once the page's requests in flight landed (or the bound came).
            landing = bool(snap.get("net_pending")) and time.monotonic() <= end
            if not misses and not (landing and absence_judged(expect)):
                self._record(expect, snap, [])
                return "primary"
            if alternative is not None and not judge(alternative, snap, self.profile) and not (landing and absence_judged(alternative)):
                self._record(alternative, snap, [])
                return "alternative"
            if rest.at_rest(snap):
                self._record(expect, snap, misses)
                raise StepFailed(
                    f"not as expected at rest ({time.monotonic() - started:.1f} s, nothing changed for "
                    f"{self.rest_s:g} s): " + "; ".join(m.text for m in misses)
                )
            if time.monotonic() > end:
                self._record(expect, snap, misses)
                raise StepFailed(f"not as expected after {self.wait_bound:g} s: " + "; ".join(m.text for m in misses))
            with self.clock.part("waits"):
                self.tab.settle(POLL_S, self.frame)  # poll, ended early by a change in the page

    def _record(self, expect: Expect, snap: dict[str, Any], misses: list[Mismatch]) -> None:
        self.result.expected = expect.model_dump(exclude_defaults=True)
        self.result.not_applicable = not_applicable(expect, self.profile)
        self.result.seen = {k: v for k, v in snap.items() if k not in ("console", "peer", "api_log")}
        self.result.mismatches = misses

    def _shot(self, rec: StepRecord | None, name: str) -> str | None:
        if self.harness.options.screenshots == "none":
            return None
        path = self.dir / f"{name}.png"
        try:
            with self.clock.part("screenshots"):
                self.tab.screenshot(path)
        except Exception as e:  # noqa: BLE001 (evidence is best effort; the cell's verdict stands)
            log.warning("screenshot %s failed: %s", path, e)
            return None
        if rec is not None:
            rec.screenshot = str(path)
        return str(path)

    def _collect(self) -> None:
        r = self.result
        if self._tab is None:
            return
        try:
            r.console = [f"[{c.level}] {c.text}" for c in self.tab.console()]
            if self.tab.console_dropped:
                r.dropped["console"] = self.tab.console_dropped
            r.browser_prompts = self.tab.browser_prompts()
            if r.outcome.ran and (self.harness.options.screenshots != "failure" or not r.ok):
                r.screenshot = self._shot(None, "final")
        except Exception as e:  # noqa: BLE001 (evidence is best effort, as in _shot)
            log.warning("collecting evidence of %s failed: %s", r.cell_id, e)
        finally:
            if self.site_id:
                r.peer = peer_summary(self.harness.server.peer.report(self.site_id))
                r.api_log = [{k: v for k, v in e.items() if k != "t"} for e in self.harness.server.request_log(self.site_id)]
                if self.harness.server.sites.log_dropped(self.site_id):
                    r.dropped["api_log"] = self.harness.server.sites.log_dropped(self.site_id)
                if not self.harness.options.keep_sites:
                    self.harness.server.sites.remove(self.site_id)
            self.tab.close()


def absence_judged(expect: Expect) -> bool:
    """Whether the expectation says a call must not have been made (or names every call made)."""
    return expect.api_absent is not None or expect.api_calls is not None


REST_S = 2.0  # how long nothing may change before a wrong page is judged (4 × observe's QUIET_S)


class RestWatch:
    """Whether a page is at rest: the whole probe reading (texts, state history, every microphone
    access, console, API log, the peer's report) unchanged for rest_s (REST_S), no microphone call,
    permission query or request pending, the widget on the page and not in a passing state
    (loading, requesting, connecting)."""

    VOLATILE = ("axe",)

    def __init__(self, profile: WidgetProfile, rest_s: float = REST_S):
        self.profile = profile
        self.rest_s = rest_s
        self.key: str | None = None
        self.since = time.monotonic()

    def at_rest(self, snap: dict[str, Any]) -> bool:
        key = json.dumps({k: v for k, v in snap.items() if k not in self.VOLATILE}, sort_keys=True, default=str)
        now = time.monotonic()
        if key != self.key:
            self.key, self.since = key, now
            return False
        pending = [
            c
            for c in [*(snap.get("gum") or []), *(snap.get("speech") or []), *(snap.get("mic_queries") or [])]
            if isinstance(c, dict) and c.get("outcome") == "pending"
        ]
        passing = self.profile.reference_state(snap.get("state")) in TRANSIENT_STATES
        # a widget not (yet) on the page may still be loading its script: only the deadline judges it
        return now - self.since >= self.rest_s and not pending and not snap.get("net_pending") and not passing and bool(snap.get("present"))


def peer_summary(report: dict[str, Any]) -> dict[str, Any]:
    """What a person reading a cell's details wants of the peer's report."""
    if not report.get("offers") and not report.get("refused"):
        return {}
    keys = ("state", "states", "audio", "speaking", "tool_call", "tool_result", "candidates", "offers", "refused")
    return {k: report.get(k) for k in keys}

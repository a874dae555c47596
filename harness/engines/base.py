"""What every engine answers to: the small interface the runner uses.

An engine turns a cell's Situation (permission, prompt answer, device, mobile profile) into a
browser state by the browser's own means, and hands the runner Tabs to drive. Everything
engine-specific (flags, prefs, signals, how hostnames and the CA reach the browser) lives in
that engine's module; the runner knows none of it.
"""

from __future__ import annotations

import abc
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable, Literal

from harness.origins import OriginMap

Permission = Literal["granted", "denied", "prompt"]
PromptAnswer = Literal["block", "allow", "ignore"]
Device = Literal["fake", "none", "silent"]

SPY_JS = (Path(__file__).parent / "spy.js").read_text(encoding="utf-8")
SETTLE_JS = (Path(__file__).parent / "settle.js").read_text(encoding="utf-8")
# The shared selector resolver (find.js): profile selectors may pierce open shadow roots.
FIND_JS = (Path(__file__).parent / "find.js").read_text(encoding="utf-8").strip()


def find_expression(selector: str) -> str:
    """A JS expression whose value is the first element the profile selector finds, or null."""
    return f"({FIND_JS})({json.dumps(selector)}, null, false)"


@dataclass(frozen=True)
class Situation:
    """The browser-side state a cell needs before its first step."""

    permission: Permission = "prompt"
    prompt_answer: PromptAnswer = "block"  # what the visitor does when the browser asks
    device: Device = "fake"
    mobile: str | None = None  # a Playwright device descriptor name, e.g. "Pixel 7"
    policy_block: bool = False  # an enterprise policy blocks the microphone


@dataclass
class RunEnv:
    """What engines need to know about the run: where the origins are and how to trust them."""

    origins: OriginMap
    mapped_hosts: tuple[str, ...]
    ca_pem: Path
    leaf_spki_sha256: str
    output_dir: Path
    headed: bool = False
    slowmo_ms: int = 0
    trace: bool = False
    connect: str | None = None  # a Playwright server's ws:// endpoint: browsers come from it (playwright/remote.py)


@dataclass
class Availability:
    engine: str
    usable: bool
    source: str = ""  # e.g. "playwright", "system /usr/bin/chromium", "webkitgtk"
    version: str = ""
    reason: str = ""  # why not usable, and what to install
    notes: list[str] = field(default_factory=list)


@dataclass
class ConsoleLine:
    level: str
    text: str
    frame_url: str = ""


class Unsupported(Exception):
    """A Situation this engine cannot produce by real means; the message says why.
    The runner reports the cell as skipped with that reason."""


class EngineCrashed(Exception):
    """The browser or its driver died; the cell fails with this cause and the pool relaunches."""


class Tab(abc.ABC):
    """One page in a fresh browser context. `frame` names an iframe (its name attribute) or
    None for the top page. Clicks and key presses are trusted input (user activation)."""

    # What evaluate() raises while the page navigates or a frame is not attached yet, in this
    # engine's own terms. Polls wait those out; anything else (a harness bug) goes through.
    transient_errors: tuple[type[Exception], ...] = ()
    # Console lines past limits.CONSOLE_LINES: counted, not kept (the first ones are).
    console_dropped: int = 0

    @abc.abstractmethod
    def goto(self, url: str) -> None: ...

    @abc.abstractmethod
    def reload(self) -> None: ...

    @abc.abstractmethod
    def click(self, selector: str, frame: str | None = None) -> None: ...

    @abc.abstractmethod
    def press(self, selector: str, key: str, frame: str | None = None) -> None:
        """Focus the element (unless selector is ""), then press the key as trusted input:
        "Enter", "Space", "Tab" or "Escape"."""

    @abc.abstractmethod
    def evaluate(self, expression: str, frame: str | None = None) -> Any:
        """Evaluate a JavaScript expression; returns its JSON-able value."""

    @abc.abstractmethod
    def console(self) -> list[ConsoleLine]:
        """Every console message so far, from every frame, in order."""

    @abc.abstractmethod
    def screenshot(self, path: Path) -> None: ...

    def route_vendor(self, fake: Any) -> None:
        """Send the build's vendor hosts (HTTP and WebSocket) to `fake` (harness/vendor_fake.py)
        before the first navigation; Unsupported where the engine has no means yet."""
        raise Unsupported("this engine cannot route a build's vendor hosts to a fake yet")

    def install_clock(self) -> None:
        """Put the page's timers and Date under the harness's clock, before the first navigation
        (time still flows; fast_forward jumps it). Unsupported where the engine has none."""
        raise Unsupported("this engine has no clock the harness controls")

    def fast_forward(self, ms: int) -> None:
        """Move the installed clock forward by ms, firing the timers that fall due."""
        raise Unsupported("this engine has no clock the harness controls")

    def browser_prompts(self) -> int | None:
        """How many times the browser itself asked for the microphone, where the engine can
        see its prompts; None where it cannot."""
        return None

    def settle(self, timeout_s: float, frame: str | None = None) -> None:
        """The runner's poll interval: return after timeout_s, or sooner once the frame's DOM
        changed since the last settle (settle.js). Measured: the widget settles a few ms after
        a click, and a fixed 50 ms interval wasted half of itself on average."""
        seen = self.__dict__.setdefault("_settled", {})
        expr = f"({SETTLE_JS})({round(timeout_s * 1000)}, {seen.get(frame, -1)})"
        try:
            seen[frame] = self.evaluate(expr, frame)
        except EngineCrashed:
            raise
        except self.transient_errors:  # navigating, frame not there yet: the plain interval
            time.sleep(timeout_s)  # poll interval

    @abc.abstractmethod
    def close(self) -> None:
        """Close the page and its context (permissions and storage go with it)."""


class Engine(abc.ABC):
    name: str
    # Which of a name's engines this is, where a name has more than one (webkit: "playwright" or
    # "webkitgtk"; harness/engines/__init__.py chooses); "" where the name has one engine.
    build: str = ""

    @abc.abstractmethod
    def availability(self) -> Availability: ...

    @abc.abstractmethod
    def launch_key(self, situation: Situation) -> Hashable:
        """Situations with equal keys share one browser launch; the pool keys on this."""

    def in_use(self, browser: Any) -> bool:
        """Whether a tab of this browser is open (the pool closes idle browsers only). Engines
        that cannot tell say yes: their browsers are kept to the end."""
        return True

    @abc.abstractmethod
    def launch(self, situation: Situation, env: RunEnv) -> Any:
        """Start a browser for this launch key; raise Unsupported if the situation cannot be made."""

    @abc.abstractmethod
    def new_tab(self, browser: Any, situation: Situation, env: RunEnv) -> Tab:
        """A fresh context (no shared storage or permissions) with one page, set up for the situation."""

    @abc.abstractmethod
    def close_browser(self, browser: Any) -> None: ...

    def is_alive(self, browser: Any) -> bool:
        return True

    def version(self, browser: Any) -> str:
        """The browser's own version, for the grid's header."""
        return ""

    def describe(self, situation: Situation) -> list[str]:
        """Human lines saying by which means this engine makes the situation (for reports)."""
        return []

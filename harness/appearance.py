"""The orb's appearance as a visitor sees it: size, colour, edge glow and position on the page,
read from the browser's computed style and layout (the contract's appearance knobs and their
defaults). A self-contained expectation row: `orb_look` in a scenario, read here, judged here.
"""

from __future__ import annotations

from typing import Any

from harness.engines.base import find_expression
from harness.scenarios import Expect, Scenario

# size: the rendered box in CSS px; colour: the computed background-color as #RRGGBB; glow: a
# box-shadow is drawn; position: where the box sits against the viewport's bottom edge.
LOOK_JS = r"""(function (e) {
  if (!e) { return null; }
  var r = e.getBoundingClientRect(), cs = getComputedStyle(e), vw = document.documentElement.clientWidth;
  var m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(cs.backgroundColor) || [0, 0, 0, 0];
  var hex = "#" + [m[1], m[2], m[3]].map(function (n) { return ("0" + Number(n).toString(16)).slice(-2); }).join("").toUpperCase();
  var mid = r.left + r.width / 2, position = "elsewhere";
  var nearBottom = window.innerHeight - r.bottom >= 0 && window.innerHeight - r.bottom <= 48;
  if (nearBottom && Math.abs(mid - vw / 2) <= 2) { position = "bottom-center"; }
  else if (nearBottom && r.left <= 48) { position = "bottom-left"; }
  else if (nearBottom && vw - r.right <= 48) { position = "bottom-right"; }
  return { size: Math.round(r.width), height: Math.round(r.height), color: hex,
           glow: cs.boxShadow !== "none" && cs.boxShadow !== "", position: position };
})"""


def look_expression(selector: str) -> str:
    """The look of the element a profile selector finds (through shadow roots: engines/find.js)."""
    return f"{LOOK_JS}({find_expression(selector)})"


def wants_look(scenario: Scenario) -> bool:
    """Whether any expectation of the scenario asks about the look (else it is never read)."""
    expects = [scenario.expect, *(s.expect for s in scenario.steps if s.expect is not None), *(q.expect for q in scenario.quirks.values())]
    return any(e.orb_look is not None for e in expects)


def judge_look(expect: Expect, snap: dict[str, Any]) -> list[str]:
    if expect.orb_look is None:
        return []
    seen = snap.get("orb_look")
    if not seen:
        return ["orb look: no orb on the page"]
    misses = []
    for key, want in expect.orb_look.items():
        got = seen.get(key)
        if isinstance(want, str) and isinstance(got, str) and key == "color":
            want, got = want.upper(), got.upper()
        if got != want:
            misses.append(f"orb {key}: expected {want!r}, seen {got!r}")
    return misses

"""JavaScript the WebKitGTK driver evaluates in pages (stdlib only: the driver imports it).

Each constant is a function expression; the driver calls it as `(FN)(json args...)` in the top
frame, or hands that text to the frame agent (agent.js) through RELAY for an iframe.
They wait on page conditions in a poll loop with a deadline, as Playwright's actions do, so the
harness never sleeps for a fixed time.
"""

import json
from pathlib import Path

# The profile selectors' resolver shared with the probe and the other engines: it reaches into
# open shadow roots ("host >>> part"), which document.querySelector never does.
ENGINES_DIR = Path(__file__).resolve().parent.parent.parent  # harness/engines: the scripts every engine shares
FIND = (ENGINES_DIR / "find.js").read_text(encoding="utf-8").strip()

# Wait until the selector matches a visible element whose box is stable over two polls and that
# receives events at its centre (nothing covers it: a dialog fading out, an overlay), as
# Playwright's actionability checks do; scroll it into view, arm one-shot capture listeners (to
# confirm the synthesized input arrived, and where) and return the centre in this frame's
# viewport coordinates.
# A mouse click is confirmed by its `click` event, or by its `pointerup` when no click follows:
# measured on WebKitGTK 2.50, a click on a disabled form control (e.g. a call button disabled
# while it connects) dispatches pointerdown/pointerup but no mousedown, mouseup or click. The
# release's pointerup and click come from one input event, in one task, so once the harness
# sees the pointerup without a click, no click is coming: the page received the input and
# did nothing with it, as it does for a visitor.
POINT = r"""(async function (selector, timeoutMs, seq) {
  var end = performance.now() + timeoutMs, last = null, el = null, covered = null;
  function same(a, b) { return b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height; }
  function at(x, y) {  // the element a pointer event there hits, into open shadow roots
    var root = document, hit = null;
    for (var depth = 0; depth < 32; depth++) {
      var next = root.elementFromPoint(x, y);
      if (!next || next === hit) { break; }
      hit = next;
      if (!next.shadowRoot) { break; }
      root = next.shadowRoot;
    }
    return hit;
  }
  function describe(t) {
    return t.tagName.toLowerCase() + (t.className ? "." + String(t.className).split(" ").join(".") : "");
  }
  for (;;) {
    el = (FIND)(selector, null, false);
    covered = null;
    if (el) {
      if (el.scrollIntoViewIfNeeded) { el.scrollIntoViewIfNeeded(true); } else { el.scrollIntoView({ block: "center" }); }
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && same(r, last)) {
        var hit = at(r.x + r.width / 2, r.y + r.height / 2);
        if (hit && (hit === el || el.contains(hit) || (el.shadowRoot && el.shadowRoot.contains(hit)))) { break; }
        covered = hit;
      }
      last = r;
    }
    if (performance.now() > end) {
      if (covered) { throw new Error("element covered by " + describe(covered) + ": " + selector); }
      throw new Error((el ? "element not visible or not stable: " : "no element matches ") + selector);
    }
    await new Promise(function (ok) { setTimeout(ok, 30); });
  }
  function seen(ev, type) {
    // The event's target is retargeted to the outermost shadow host at window level; the
    // composed path starts at the node really hit.
    var path = ev.composedPath ? ev.composedPath() : [], t = path[0] || ev.target;
    var disabled = path.some(function (n) { return n instanceof Element && n.matches(":disabled"); });
    return { seq: seq, seen: true, type: type, trusted: ev.isTrusted, disabled: disabled,
      hit: t === el || path.indexOf(el) >= 0 || (t instanceof Node && el.contains(t)),
      target: t && t.tagName ? describe(t) : String(t) };
  }
  window.__speloInput = { seq: seq, seen: false, released: null };
  ["click", "keydown", "pointerup"].forEach(function (type) {
    window.addEventListener(type, function h(ev) {
      window.removeEventListener(type, h, true);
      var s = window.__speloInput;
      if (s.seq !== seq || s.seen) { return; }
      if (type === "pointerup") { s.released = seen(ev, "click"); s.released.clicked = false; return; }
      window.__speloInput = seen(ev, type);
      if (type === "click") { window.__speloInput.clicked = true; }
    }, true);
  });
  return { x: last.x + last.width / 2, y: last.y + last.height / 2 };
})""".replace("(FIND)", "(" + FIND + ")")

# Focus the element POINT found (for key presses), keeping the same arming.
FOCUS = r"""(async function (selector, timeoutMs, seq) {
  var p = await (POINT)(selector, timeoutMs, seq);
  (FIND)(selector, null, false).focus();
  return p;
})""".replace("(POINT)", "(" + POINT + ")").replace("(FIND)", "(" + FIND + ")")

# Arm the key listener only, for a key pressed on whatever has focus (no element to find).
ARM_KEY = r"""(function (selector, timeoutMs, seq) {
  window.__speloInput = { seq: seq, seen: false };
  window.addEventListener("keydown", function h(ev) {
    window.removeEventListener("keydown", h, true);
    if (window.__speloInput.seq !== seq) { return; }
    var t = ev.target;
    window.__speloInput = { seq: seq, seen: true, type: "keydown", trusted: ev.isTrusted, hit: true,
      target: t && t.tagName ? t.tagName.toLowerCase() : String(t) };
  }, true);
  return { x: 0, y: 0 };
})"""

# What the input listeners saw: null until the input arrived (a click, a key, or a release that
# no click followed: see POINT).
INPUT_SEEN = r"""(function (seq) {
  var s = window.__speloInput;
  if (!s || s.seq !== seq) { return null; }
  return s.seen ? s : s.released || null;
})"""

# The top-left of an iframe's content box in the top viewport (clicks inside it are offset by it).
_FIND_FRAME = r"""function (name) {
  var all = document.querySelectorAll("iframe, frame");
  for (var i = 0; i < all.length; i++) { if (all[i].getAttribute("name") === name) { return all[i]; } }
  return null;
}"""
FRAME_OFFSET = r"""(function (name) {
  var f = (FIND)(name);
  if (!f) { throw new Error("no iframe named " + name); }
  var r = f.getBoundingClientRect(), cs = getComputedStyle(f);
  return { x: r.x + f.clientLeft + parseFloat(cs.paddingLeft), y: r.y + f.clientTop + parseFloat(cs.paddingTop) };
})""".replace("FIND", _FIND_FRAME)

# Evaluate `expr` inside the iframe named `name` through its agent. Retries until the frame's own
# document (not the initial about:blank) acknowledges, then waits for the result until the deadline.
RELAY = r"""(async function (name, expr, nonce, timeoutMs) {
  var end = performance.now() + timeoutMs, f = null;
  function ask(win) {
    return new Promise(function (resolve) {
      var ch = new MessageChannel(), acked = false;
      var t = setTimeout(function () { if (!acked) { resolve(null); } }, 300);
      ch.port1.onmessage = function (e) {
        if (e.data.ack) {
          var blank = e.data.href === "about:blank" && f.src && f.src !== "about:blank";
          if (blank) { clearTimeout(t); resolve(null); return; }
          acked = true; clearTimeout(t);
          setTimeout(function () { resolve({ ok: false, error: "the frame did not answer in time" }); },
            Math.max(0, end - performance.now()));
          return;
        }
        resolve(e.data);
      };
      win.postMessage({ speloEval: nonce, expr: expr }, "*", [ch.port2]);
    });
  }
  for (;;) {
    f = (FIND)(name);
    var answer = f && f.contentWindow ? await ask(f.contentWindow) : null;
    if (answer) {
      if (answer.ok) { return JSON.parse(answer.value); }
      throw new Error(answer.error);
    }
    if (performance.now() > end) { throw new Error(f ? "frame " + name + " did not answer" : "no iframe named " + name); }
    await new Promise(function (ok) { setTimeout(ok, 50); });
  }
})""".replace("FIND", _FIND_FRAME)


def call(fn: str, *args: object) -> str:
    """The expression that calls a function expression with JSON arguments."""
    return f"({fn})({', '.join(json.dumps(a) for a in args)})"


def top_body(expr: str) -> str:
    """A body for call_async_javascript_function: evaluates `expr` without eval (so a page's CSP
    cannot refuse it), calls it if it is a function (as Playwright does), awaits it, returns JSON."""
    return (
        # This read gives the page transient activation while it runs and removes it after (see
        # engines/spy.js): marked, so the spy can tell the harness's doing from the page's.
        "window.__speloHarnessRead = performance.now();\n"
        "window.__speloHarnessReads = (window.__speloHarnessReads || 0) + 1;\n"
        "try {\n"
        "var v = (\n" + expr + "\n);\n"
        "if (typeof v === 'function') { v = v(); }\n"
        "v = await v;\n"
        "return v === undefined ? 'null' : JSON.stringify(v);\n"
        "} finally { window.__speloHarnessReads -= 1; }"
    )

"""Pass-through spies on every way a page reaches the microphone, in every engine: the legacy
navigator.getUserMedia family, speech recognition, enumerateDevices and permissions.query. What
the spy records must be what the page itself was answered (it writes its answers into its own
text), and the calls made in a click carry user activation. What an engine lacks (a recognition
service, a legacy method) is recorded as the engine's own answer, never faked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.engines import ENGINE_NAMES
from one_button import profile, run_cells

# Every way, from one click; the page writes each answer it got into its own text.
WAYS_JS = r"""customElements.define("ways-voice", class extends HTMLElement {
  constructor() {
    super();
    const r = this.attachShadow({ mode: "open" });
    r.innerHTML = '<button class="go" aria-label="Go">Go</button><p class="log"></p>';
    const log = (line) => { r.querySelector(".log").textContent += line + ";"; };
    r.querySelector(".go").addEventListener("click", () => {
      const legacy = navigator.getUserMedia || navigator.webkitGetUserMedia || navigator.mozGetUserMedia;
      if (legacy) {
        legacy.call(navigator, { audio: true }, (s) => { s.getTracks().forEach((t) => t.stop()); log("legacy=ok"); },
                    (e) => log("legacy=" + e.name));
      } else { log("legacy=none"); }
      const Rec = window.SpeechRecognition || window.webkitSpeechRecognition;
      if (Rec) {
        const rec = new Rec();
        rec.onerror = (e) => log("speech=" + e.error);
        rec.onend = () => log("speechend");
        try { rec.start(); } catch (e) { log("speech=" + e.name); }
      } else { log("speech=none"); }
      navigator.mediaDevices.enumerateDevices().then((d) => log("devices=" + d.filter((x) => x.kind === "audioinput").length),
                                                     (e) => log("devices=" + e.name));
      navigator.permissions.query({ name: "microphone" }).then((s) => log("perm=" + s.state), (e) => log("perm=" + e.name));
    });
  }
});"""
CELLS = """
scenarios:
  - id: ways
    title: "Every way to the microphone, from one click, microphone denied"
    timeout_s: 6
    permission: denied
    steps:
      - click: orb
    expect: {state: idle, text_contains: ["perm=", "devices=", "legacy="]}
"""


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_every_way_to_the_microphone_is_recorded_as_the_page_was_answered(tmp_path: Path, engine: str) -> None:
    r = run_cells(tmp_path, WAYS_JS, profile("ways", "ways-voice"), CELLS, engine)["ways"]
    if r.outcome == "skipped":
        pytest.skip(r.reason)
    assert r.outcome == "pass", r.explain()
    told = dict(re.findall(r"(\w+)=([^;]*)", r.seen["text"]))  # what the page was answered

    legacy = [c for c in r.seen["gum"] if c["api"] != "mediaDevices.getUserMedia"]
    if told["legacy"] == "none":
        assert legacy == []
    else:
        assert len(r.seen["gum"]) == 1 and legacy, r.seen["gum"]  # one call, named by the way taken
        assert legacy[0]["api"].startswith("navigator.") and legacy[0]["activation"] in (True, None)
        if legacy[0]["outcome"] != "pending":  # an answer the page got is the spy's outcome
            assert legacy[0]["outcome"] == told["legacy"]

    speech = r.seen["speech"]
    if told.get("speech") == "none":
        assert speech == []
    else:
        assert len(speech) == 1 and speech[0]["api"] in ("SpeechRecognition", "webkitSpeechRecognition")
        assert speech[0]["activation"] in (True, None)
        if "speech" in told:  # the engine's own error code, as the page got it
            assert speech[0]["outcome"] == told["speech"]
            assert f"error:{told['speech']}" in speech[0]["events"] or speech[0]["outcome"] not in ("pending", "started")
        if "speechend" in r.seen["text"]:
            assert speech[0]["ended"]

    queries = {q["api"]: q for q in r.seen["mic_queries"]}
    assert queries["permissions.query"]["name"] == "microphone"
    assert queries["permissions.query"]["outcome"] == told["perm"]
    assert str(queries["enumerateDevices"].get("audioinputs")) == told["devices"]

// PlainMic: a small microphone widget of our own, written to hold every universal property
// (contract/universal.yaml), in its own words. `data-break` on its element breaks exactly one of
// them, for the judges' tests (tests/test_variant_builds_universal.py):
//   on-load        asks for the microphone as the page loads (no-mic-on-load)
//   no-activation  asks 5.5 s after the click, when the click's activation has expired
//   re-prompt      asks again on every click after a refusal (no-reprompt-after-refusal)
//   one-text       one sentence for every failure (failures-told-apart)
//   raw-error      shows the browser's error name and message (failure-told)
//   keeps-mic      never stops its tracks, on stop or when the page is left (mic-released)
//   page-error     throws an uncaught TypeError after each click (no-page-error)
// Its state is data-state on the element: idle, requesting, listening, denied, no-device,
// insecure, error.
(function () {
  var TEXTS = {
    idle: "Click to talk",
    requesting: "Waiting for your browser's permission…",
    listening: "Listening… click to stop",
    denied: "Microphone blocked. Allow it in your browser's address bar, then click again.",
    "no-device": "No microphone found. Plug one in and try again.",
    insecure: "Voice needs a secure (https) page.",
    error: "The microphone could not start."
  };
  var ONE_TEXT = "Voice is unavailable right now.";

  function mount(root) {
    var broken = root.getAttribute("data-break") || "";
    root.innerHTML = '<button class="orb" type="button" aria-label="Talk">🎤</button><p class="status" aria-live="polite"></p>';
    var orb = root.querySelector(".orb");
    var status = root.querySelector(".status");
    var stream = null;
    var refused = false;

    function show(state, text) {
      root.setAttribute("data-state", state);
      var failure = state === "denied" || state === "no-device" || state === "insecure" || state === "error";
      status.textContent = failure && broken === "one-text" ? ONE_TEXT : (text || TEXTS[state]);
      orb.setAttribute("aria-label", state === "listening" ? "Stop" : "Talk");
    }
    function release() {
      if (stream && broken !== "keeps-mic") { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
    }
    function failed(err) {
      var name = (err && err.name) || "Error";
      var state = name === "NotAllowedError" || name === "SecurityError" ? "denied"
        : name === "NotFoundError" || name === "OverconstrainedError" ? "no-device" : "error";
      refused = state === "denied";
      show(state, broken === "raw-error" ? name + ": " + ((err && err.message) || "") : null);
    }
    function ask() {
      show("requesting");
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        stream = s;
        show("listening");
      }, failed);
    }
    function start() {
      if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        show("insecure");
        return;
      }
      if (refused && broken !== "re-prompt") { show("denied"); return; } // told again, not asked again
      if (broken === "no-activation") { show("requesting"); setTimeout(ask, 5500); return; }
      ask();
    }
    orb.addEventListener("click", function () {
      if (root.getAttribute("data-state") === "listening") { release(); show("idle"); } else { start(); }
      if (broken === "page-error") { setTimeout(function () { var none = null; return none.state; }, 0); }
    });
    window.addEventListener("pagehide", release);
    show("idle");
    if (broken === "on-load" && navigator.mediaDevices) {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) { stream = s; }, function () {});
    }
  }

  function boot() { Array.prototype.forEach.call(document.querySelectorAll("plain-mic"), mount); }
  if (document.body) { boot(); } else { document.addEventListener("DOMContentLoaded", boot); }
})();

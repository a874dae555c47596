// AttrMic: a widget of ours whose only state is an attribute on a child element (data-status on
// its indicator dot), with no visible text at all: what it tells a visitor is the button's
// accessible name (and the dot's colour). It holds the universal properties through that name.
(function () {
  var NAMES = {
    idle: "Start voice input",
    listening: "Voice input on: stop",
    denied: "Microphone blocked: allow it in the address bar",
    "no-device": "No microphone found",
    insecure: "Voice input needs a secure page",
    error: "Voice input failed"
  };
  function mount(root) {
    root.innerHTML = '<button class="btn" type="button"><span class="dot" data-status="idle"></span></button>';
    var btn = root.querySelector(".btn");
    var dot = root.querySelector(".dot");
    var stream = null;
    var refused = false;
    function show(state) { dot.setAttribute("data-status", state); btn.setAttribute("aria-label", NAMES[state]); }
    btn.addEventListener("click", function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; show("idle"); return; }
      if (!window.isSecureContext || !navigator.mediaDevices) { show("insecure"); return; }
      if (refused) { show("denied"); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) { stream = s; show("listening"); }, function (e) {
        refused = e.name === "NotAllowedError";
        show(refused ? "denied" : e.name === "NotFoundError" || e.name === "OverconstrainedError" ? "no-device" : "error");
      });
    });
    window.addEventListener("pagehide", function () { if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); } });
    show("idle");
  }
  function boot() { Array.prototype.forEach.call(document.querySelectorAll("attr-mic"), mount); }
  if (document.body) { boot(); } else { document.addEventListener("DOMContentLoaded", boot); }
})();

// SpeechMic: a widget of ours that listens through the browser's speech recognition
// (SpeechRecognition / webkitSpeechRecognition), never getUserMedia, in its own words. Its state
// is data-state on the element. What an engine without a recognition service answers is the
// engine's (contract/engine-facts.yaml); the widget tells the visitor each answer apart.
(function () {
  var TEXTS = {
    idle: "Tap the microphone and speak",
    listening: "I'm listening…",
    denied: "Microphone blocked. Allow it in your browser's address bar.",
    "no-device": "No microphone found.",
    insecure: "Voice input needs a secure (https) page.",
    unsupported: "Voice input is not available in this browser.",
    error: "Voice input stopped: the speech service could not be reached."
  };
  function mount(root) {
    root.innerHTML = '<button class="mic" type="button" aria-label="Speak">🎙</button><p class="say" role="status"></p>';
    var mic = root.querySelector(".mic");
    var say = root.querySelector(".say");
    var rec = null;
    var refused = false;
    function show(state) {
      root.setAttribute("data-state", state);
      say.textContent = TEXTS[state];
      mic.setAttribute("aria-label", state === "listening" ? "Stop listening" : "Speak");
    }
    mic.addEventListener("click", function () {
      if (rec) { rec.stop(); return; }
      if (!window.isSecureContext) { show("insecure"); return; }
      var Rec = window.SpeechRecognition || window.webkitSpeechRecognition;
      if (!Rec) { show("unsupported"); return; }
      if (refused) { show("denied"); return; }
      var r = rec = new Rec();
      r.onstart = function () { show("listening"); };
      r.onerror = function (e) {
        refused = e.error === "not-allowed" || e.error === "service-not-allowed";
        show(refused ? "denied" : e.error === "audio-capture" ? "no-device" : "error");
      };
      r.onend = function () {
        rec = null;
        if (root.getAttribute("data-state") === "listening") { show("idle"); }
      };
      r.start();
    });
    show("idle");
  }
  function boot() { Array.prototype.forEach.call(document.querySelectorAll("speech-mic"), mount); }
  if (document.body) { boot(); } else { document.addEventListener("DOMContentLoaded", boot); }
})();

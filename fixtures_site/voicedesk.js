// VoiceDesk: a variant build of ours, written the way many real voice widgets are and unlike the
// reference in every way a profile has to describe (fixtures_site/voicedesk.profile.yaml):
//  - a custom element, <voice-desk>, rendering into an open shadow root; no state attribute;
//  - its own words throughout, and a multi-step start: Start → Agree (terms, first visit only)
//    → Voice (or Chat) → Start call;
//  - one sentence, "Check your microphone settings.", both while the browser's prompt is open and
//    after a refusal: only the outcome of the microphone request tells the two apart;
//  - no network session: an allowed microphone gives "You're live." with a Hang up button, which
//    stops every track.
// Used by tests/test_variant_builds.py; never a model of the contract.
(function () {
  var TERMS_KEY = "voicedesk:terms";
  var CSS = ".vd{position:fixed;right:16px;bottom:16px;font:14px sans-serif;background:#fff;" +
    "border:1px solid #888;padding:12px;max-width:280px}.vd button{margin:4px}.vd [hidden]{display:none}";

  customElements.define("voice-desk", class extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) { return; }
      var root = this.attachShadow({ mode: "open" });
      root.innerHTML = "<style>" + CSS + "</style><div class='vd'>" +
        "<p class='msg' role='status' aria-live='polite'>Need a hand? Talk to us.</p>" +
        "<div class='step home'><button class='start'>Start</button></div>" +
        "<div class='step terms' hidden><p>Calls are recorded to improve our service.</p>" +
        "<button class='agree'>Agree</button><button class='decline'>Decline</button></div>" +
        "<div class='step mode' hidden><button class='chat'>Chat</button><button class='voice'>Voice</button></div>" +
        "<div class='step dial' hidden><button class='call' aria-label='Start call'>Start call</button></div>" +
        "<div class='step live' hidden><button class='hangup'>Hang up</button></div>" +
        "</div>";
      var q = function (sel) { return root.querySelector(sel); };
      var stream = null;
      function only(step, message) {
        root.querySelectorAll(".step").forEach(function (s) { s.hidden = !s.classList.contains(step); });
        if (message !== undefined) { q(".msg").textContent = message; }
      }
      function agreed() {
        try { return localStorage.getItem(TERMS_KEY) === "yes"; } catch (e) { return false; }
      }
      q(".start").addEventListener("click", function () {
        if (agreed()) { only("mode", "How would you like to talk?"); } else { only("terms", "First, our terms."); }
      });
      q(".agree").addEventListener("click", function () {
        try { localStorage.setItem(TERMS_KEY, "yes"); } catch (e) { /* private mode: ask again next time */ }
        only("mode", "How would you like to talk?");
      });
      q(".decline").addEventListener("click", function () { only("home", "Need a hand? Talk to us."); });
      q(".chat").addEventListener("click", function () { only("home", "Chat is coming soon."); });
      q(".voice").addEventListener("click", function () { only("dial", "Ready when you are."); });
      q(".call").addEventListener("click", function () {
        var md = navigator.mediaDevices;
        if (!md || !md.getUserMedia) { only("home", "Voice needs a secure (https) page."); return; }
        // The same words while the browser asks and after it was refused (what the profile's
        // compound rules must tell apart by the request's outcome).
        only("none", "Check your microphone settings.");
        md.getUserMedia({ audio: true }).then(function (s) {
          stream = s;
          only("live", "You're live.");
        }, function (err) {
          var name = err && err.name;
          if (name === "NotAllowedError") { only("dial", "Check your microphone settings."); }
          else if (name === "NotFoundError" || name === "OverconstrainedError") { only("dial", "We can't find a microphone."); }
          else { only("dial", "Your microphone is busy or unavailable."); }
        });
      });
      q(".hangup").addEventListener("click", function () {
        if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
        only("home", "Call ended. Thanks!");
      });
    }
  });
})();

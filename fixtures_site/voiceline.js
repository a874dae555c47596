// VoiceLine: a variant build of ours whose voice session lives at its own vendor: after the
// microphone, it asks https://api.voiceline.test for a session, then talks to the session over a
// WebSocket at wss://live.voiceline.test. Its only state is a `data-status` attribute on a child
// element. On a sealed loopback network those hosts do not exist, so without a vendor fake it ends
// in "We couldn't reach VoiceLine."; its profile (voiceline.profile.yaml) routes them to recorded
// responses (voiceline.vendor.yaml), and the session goes live. Used by tests/test_variant_builds.py.
(function () {
  var API = "https://api.voiceline.test/v1/sessions";
  customElements.define("voice-line", class extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) { return; }
      var root = this.attachShadow({ mode: "open" });
      root.innerHTML = "<div class='vl' style='position:fixed;left:16px;bottom:16px;font:14px sans-serif'>" +
        "<button class='talk'>Talk to VoiceLine</button><button class='bye' hidden>Hang up</button>" +
        "<p class='line' data-status='ready' role='status'>Questions? Ask out loud.</p></div>";
      var line = root.querySelector(".line"), talk = root.querySelector(".talk"), bye = root.querySelector(".bye");
      var stream = null, socket = null;
      function set(status, words) { line.setAttribute("data-status", status); line.textContent = words; }
      function offline() {
        if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
        talk.hidden = false; bye.hidden = true;
        set("offline", "We couldn't reach VoiceLine.");
      }
      talk.addEventListener("click", function () {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { set("blocked", "VoiceLine needs https."); return; }
        navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
          stream = s;
          talk.hidden = true;
          set("connecting", "Connecting…");
          return fetch(API, { method: "POST", headers: { "content-type": "application/json" },
                              body: JSON.stringify({ agent: "demo" }) })
            .then(function (r) { if (!r.ok) { throw new Error("session " + r.status); } return r.json(); })
            .then(function (session) {
              socket = new WebSocket(session.live + "?session=" + encodeURIComponent(session.id));
              var ready = false;
              socket.onopen = function () { socket.send(JSON.stringify({ type: "hello", agent: "demo" })); };
              socket.onmessage = function (ev) {
                var msg = JSON.parse(ev.data);
                if (msg.type === "ready") { ready = true; bye.hidden = false; set("live", "Connected. Say hello!"); }
                else if (msg.type === "greeting") { set("live", msg.text); }
              };
              socket.onclose = function () { if (!ready) { offline(); } };
            });
        }, function (err) {
          set("blocked", "Microphone unavailable (" + (err && err.name) + ").");
        }).catch(offline);
      });
      bye.addEventListener("click", function () {
        if (socket) { socket.close(); socket = null; }
        if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
        talk.hidden = false; bye.hidden = true;
        set("ready", "Call ended.");
      });
    }
  });
})();

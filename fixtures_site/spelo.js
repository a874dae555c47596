/*
 * Spelo voice widget: the harness's reference build, written to the vendor's documented
 * contract (shared/WIDGET-CONTRACT.md). It is the default system under test; a real build
 * can be tested in its place (spelo-harness --widget PATH).
 *
 * Embedding: <script src=".../spelo.js" data-site-id="SITEID" async></script>
 * Ours, not the vendor's: data-api-base (where the API lives; default: the script's origin),
 * the wording of the messages marked "ours" in TEXTS, and data-state on the root element.
 */
(function () {
  "use strict";

  var TEXTS = {
    label: "Talk to our voice assistant",
    labelActive: "End voice conversation",
    notice: "This page uses voice AI. Your voice will be sent to OpenAI to power the conversation. " +
      "We do not store your audio. Transcripts may be retained for up to 30 days.",
    continue: "Continue",
    cancel: "Cancel",
    policy: "Read our privacy policy",
    requesting: "Waiting for microphone permission\u2026", // ours
    connecting: "Connecting\u2026", // ours
    listening: "Listening",
    speaking: "Speaking",
    denied: "Microphone access needed",
    blockedTip: "Mic access is blocked \u2014 click the lock icon to re-enable.",
    insecure: "Voice needs a secure (HTTPS) page. The microphone is unavailable on this page.", // ours
    noDevice: "No microphone found. Connect a microphone and try again.", // ours
    unreadable: "Your microphone could not be started. It may be in use by another app.", // ours
    silent: "We can't hear you: your microphone is sending silence. Check your input device.", // ours
    micError: "The microphone could not be used.", // ours
    framed: "This voice assistant can't run inside a frame. Install it on the top-level page.", // ours
    unsupported: "Voice isn't supported in this browser.", // ours
    tokenError: "Failed to get token",
    network: "Can't reach the voice service. Check your network or VPN and try again.", // ours
    invalid: "This voice assistant is misconfigured (invalid site id).", // ours
    fallback: "Use text chat instead", // ours
    idleEnded: "The conversation ended after 5 minutes without speech.", // ours
    capEnded: "The conversation reached its 2-hour limit and ended." // ours
  };
  var SITE_ID_RE = /^[a-z0-9]{8,32}$/;
  var SIZES = { small: 48, medium: 64, large: 88 };
  var CONNECT_TIMEOUT_MS = 15000;
  var SILENCE_WINDOW_MS = 3000;
  var IDLE_MS = 5 * 60 * 1000; // the session ends after 5 minutes without speech (either side's)
  var CAP_MS = 2 * 60 * 60 * 1000; // and at a 2-hour cap, speech or not

  function log(msg) { console.log("[Spelo] " + msg); }
  function warn(msg) { console.warn("[Spelo] " + msg); }

  var script = document.currentScript || document.querySelector("script[data-site-id]");
  if (!script) { return; }
  var siteId = script.getAttribute("data-site-id") || "";
  var apiBase = script.getAttribute("data-api-base") || new URL(script.src, location.href).origin;
  var api = apiBase.replace(/\/$/, "") + "/v1/" + encodeURIComponent(siteId);
  // Where the widget renders: the page, or a shadow root a loader handed over on the script
  // element (spelo-shadow.js, the shadow-DOM variant the harness tests its profile features with).
  var mount = script.speloMount || null;

  var config = {
    color: "#C4973B", position: "bottom-center", size: "medium", edge_glow: true,
    enabled_pages: ["**"], disabled_pages: [], privacy_notice: null, privacy_policy_url: null,
    custom_instructions: null, fallback_url: "/chat.html", realtime_url: null,
    connect_timeout_ms: CONNECT_TIMEOUT_MS
  };

  var ui = {};
  var state = "loading";
  var deniedHere = false; // a NotAllowedError on this page: do not ask again (no re-prompt)
  var session = null;

  // ---- page rules ---------------------------------------------------------------------------
  function globToRegExp(glob) {
    var out = "";
    for (var i = 0; i < glob.length; i++) {
      var c = glob[i];
      if (c === "*" && glob[i + 1] === "*") { out += ".*"; i++; }
      else if (c === "*") { out += "[^/]*"; }
      else { out += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&"); }
    }
    return new RegExp("^" + out + "$");
  }
  function matchesAny(globs, path) {
    var hit = false;
    (globs || []).forEach(function (g) {
      var negate = g.charAt(0) === "!";
      if (globToRegExp(negate ? g.slice(1) : g).test(path)) { hit = !negate; }
    });
    return hit;
  }
  function pageEnabled() {
    var path = location.pathname;
    return matchesAny(config.enabled_pages, path) && !matchesAny(config.disabled_pages, path);
  }

  // ---- rendering ----------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function injectStyle() {
    var px = SIZES[config.size] || SIZES.medium;
    var pos = { "bottom-left": "left:24px;", "bottom-right": "right:24px;",
      "bottom-center": "left:50%;transform:translateX(-50%);" }[config.position] || "left:50%;transform:translateX(-50%);";
    var css =
      ".spelo-root{position:fixed;bottom:24px;" + pos + "z-index:2147483000;display:flex;flex-direction:column;" +
      "align-items:center;gap:8px;font:15px/1.4 system-ui,sans-serif;color:#1d1d1f;max-width:340px}" +
      ".spelo-orb{width:" + px + "px;height:" + px + "px;border-radius:50%;border:none;cursor:pointer;" +
      "background:radial-gradient(circle at 35% 35%,#fff6,transparent 60%)," + config.color + ";" +
      (config.edge_glow ? "box-shadow:0 0 18px " + config.color + "aa;" : "") + "}" +
      ".spelo-orb:focus-visible{outline:3px solid #1d4ed8;outline-offset:3px}" +
      ".spelo-orb[aria-disabled=true]{filter:grayscale(1);cursor:not-allowed}" +
      ".spelo-root[data-state=error] .spelo-orb{background:#c62828}" +
      ".spelo-status:empty,.spelo-tip[hidden],.spelo-notice[hidden],.spelo-fallback[hidden]{display:none}" +
      ".spelo-status,.spelo-tip,.spelo-notice{background:#fff;border-radius:10px;padding:8px 12px;" +
      "box-shadow:0 2px 10px #0003;text-align:center}" +
      ".spelo-notice button{margin:8px 4px 0;padding:6px 14px;font:inherit;border-radius:6px;border:1px solid #555;" +
      "background:#fff;color:#111;cursor:pointer}.spelo-notice button.spelo-continue{background:#1d4ed8;color:#fff;border-color:#1d4ed8}" +
      ".spelo-notice a,.spelo-fallback{color:#1d4ed8}.spelo-fallback{background:#fff;padding:2px 8px;border-radius:6px}";
    (mount || document.head).appendChild(el("style", { "data-spelo": "" }, css));
  }

  function render() {
    injectStyle();
    ui.root = el("div", { "class": "spelo-root", "data-state": state, "data-spelo-site": siteId });
    ui.notice = el("div", { "class": "spelo-notice", role: "dialog", "aria-label": "Privacy notice", hidden: "" });
    ui.tip = el("div", { "class": "spelo-tip", role: "tooltip", id: "spelo-tip", hidden: "" });
    ui.status = el("div", { "class": "spelo-status", role: "status", "aria-live": "polite", id: "spelo-status" });
    ui.fallback = el("a", { "class": "spelo-fallback", href: config.fallback_url || "/chat.html", hidden: "" }, TEXTS.fallback);
    ui.orb = el("button", { type: "button", "class": "spelo-orb", "aria-label": TEXTS.label,
      "aria-describedby": "spelo-status spelo-tip" });
    ui.orb.addEventListener("click", onOrb);
    [ui.notice, ui.tip, ui.status, ui.fallback, ui.orb].forEach(function (n) { ui.root.appendChild(n); });
    (mount || document.body).appendChild(ui.root);
  }

  // One call sets everything a visitor perceives for a state.
  function show(next, opts) {
    opts = opts || {};
    state = next;
    if (!ui.root) { return; }
    ui.root.setAttribute("data-state", next);
    ui.status.textContent = opts.status || "";
    if (opts.tip) { ui.tip.textContent = opts.tip; ui.tip.removeAttribute("hidden"); }
    else { ui.tip.textContent = ""; ui.tip.setAttribute("hidden", ""); }
    if (opts.fallback) { ui.fallback.removeAttribute("hidden"); } else { ui.fallback.setAttribute("hidden", ""); }
    if (opts.inert) { ui.orb.setAttribute("aria-disabled", "true"); } else { ui.orb.removeAttribute("aria-disabled"); }
    var active = next === "connecting" || next === "listening" || next === "speaking";
    ui.orb.setAttribute("aria-label", active ? TEXTS.labelActive : TEXTS.label);
    ui.orb.setAttribute("aria-pressed", active ? "true" : "false");
    if (next !== "notice") { ui.notice.setAttribute("hidden", ""); }
  }

  function micFailure(next, status, extra) {
    show(next, Object.assign({ status: status, fallback: true }, extra || {}));
  }

  function deniedText() { return config.custom_instructions || TEXTS.denied; }

  // ---- the privacy notice -------------------------------------------------------------------
  var noticeKey = "spelo:notice:" + siteId;
  function noticeAccepted() {
    try { return localStorage.getItem(noticeKey) === "accepted"; } catch (e) { return false; }
  }
  function showNotice() {
    ui.notice.textContent = "";
    ui.notice.appendChild(el("p", {}, config.privacy_notice || TEXTS.notice));
    var cont = el("button", { type: "button", "class": "spelo-continue" }, TEXTS.continue);
    var cancel = el("button", { type: "button", "class": "spelo-cancel" }, TEXTS.cancel);
    cont.addEventListener("click", function () {
      try { localStorage.setItem(noticeKey, "accepted"); } catch (e) { warn("could not store the notice acceptance: " + e); }
      ui.notice.setAttribute("hidden", "");
      startMicrophone();
    });
    cancel.addEventListener("click", function () { show("idle"); ui.orb.focus(); });
    ui.notice.appendChild(cont);
    ui.notice.appendChild(cancel);
    if (config.privacy_policy_url) {
      ui.notice.appendChild(el("a", { href: config.privacy_policy_url, target: "_blank", rel: "noopener" }, TEXTS.policy));
    }
    show("notice");
    ui.notice.removeAttribute("hidden");
    cont.focus();
  }

  // ---- the microphone -----------------------------------------------------------------------
  // The permission state is read ahead (on load, and again after every request) so that a
  // click can log it and call getUserMedia in the same task. Measured in WebKit: the user
  // activation of a key press ends with its task, so a getUserMedia call made after awaiting
  // permissions.query would run without a user gesture (and iOS Safari would not prompt).
  // Reading the state is not touching the microphone.
  var permission = { known: false, state: null, why: "" };
  function refreshPermission() {
    if (!navigator.permissions || !navigator.permissions.query) {
      permission = { known: true, state: null, why: "this browser has no Permissions API" };
      return Promise.resolve();
    }
    return navigator.permissions.query({ name: "microphone" }).then(function (status) {
      permission = { known: true, state: status.state, why: "" };
      status.onchange = function () { permission.state = status.state; };
    }, function (err) {
      permission = { known: true, state: null, why: (err && err.name) + ": " + (err && err.message) };
    });
  }
  function logPermission() {
    var prefix = "navigator.permissions.query({ name: 'microphone' }) \u2192 ";
    log(prefix + (permission.state ? "state: '" + permission.state + "'" : "unavailable: " + permission.why));
  }

  function startMicrophone() {
    if (!permission.known) { refreshPermission().then(startMicrophone); return; }
    logPermission();
    // The insecure page comes first: browsers also report its permission as denied, and the
    // lock-icon advice would be wrong there.
    if (!window.isSecureContext) {
      warn("Microphone unavailable: this page is not a secure context (HTTPS required).");
      micFailure("insecure", TEXTS.insecure, { inert: true });
      return;
    }
    if (permission.state === "denied") {
      warn("microphone blocked for this site; not asking again");
      micFailure("blocked", deniedText(), { tip: TEXTS.blockedTip });
      return;
    }
    if (deniedHere) {
      warn("microphone was refused on this page; not asking again");
      micFailure("denied", deniedText(), { tip: TEXTS.blockedTip });
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      warn("Microphone unavailable: navigator.mediaDevices.getUserMedia is missing.");
      micFailure("unsupported", TEXTS.unsupported, { inert: true });
      return;
    }
    show("requesting", { status: TEXTS.requesting });
    var asked = navigator.mediaDevices.getUserMedia({ audio: true });
    asked.then(refreshPermission, refreshPermission);
    asked.then(onStream, onMicError);
  }

  function onMicError(err) {
    var name = (err && err.name) || "Error";
    warn("getUserMedia failed: " + name + ": " + ((err && err.message) || ""));
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      deniedHere = true;
      micFailure("denied", deniedText());
    } else if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
      // WebKitGTK answers a missing device with OverconstrainedError ("Invalid constraint").
      micFailure("no-device", TEXTS.noDevice);
    } else if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      micFailure("unreadable", TEXTS.unreadable);
    } else {
      micFailure("mic-error", TEXTS.micError);
    }
  }

  function onStream(stream) {
    var track = stream.getAudioTracks()[0];
    log("microphone live: " + (track ? track.label : "no audio track"));
    if (typeof window.RTCPeerConnection !== "function") {
      stream.getTracks().forEach(function (t) { t.stop(); });
      warn("voice unavailable: this browser has no RTCPeerConnection (WebRTC)");
      show("unsupported", { status: TEXTS.unsupported, fallback: true, inert: true });
      return;
    }
    startSession(stream);
  }

  // ---- the voice session ---------------------------------------------------------------------
  function apiFetch(path, opts) {
    return fetch(api + path, Object.assign({ credentials: "omit", mode: "cors" }, opts || {}));
  }

  // Events go out one after another, so the vendor records them in the order they happened
  // (concurrent POSTs can arrive swapped).
  var analyticsQueue = Promise.resolve();
  function analytics(event, extra) {
    var body = JSON.stringify(Object.assign({ event: event, session_id: session && session.id }, extra || {}));
    analyticsQueue = analyticsQueue.then(function () {
      // keepalive: session_end is sent from pagehide, and a plain fetch dies with the page.
      return apiFetch("/analytics/event", { method: "POST", headers: { "Content-Type": "application/json" }, body: body,
        keepalive: true });
    }).catch(function (e) { warn("analytics failed: " + e); });
  }

  function startSession(stream) {
    var s = session = { stream: stream, pc: null, channel: null, held: null, id: null, secret: null, ended: false };
    show("connecting", { status: TEXTS.connecting });
    apiFetch("/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (!res.ok || !body.success) {
            throw new Error("token: HTTP " + res.status + " " + (body.error || "") +
              (res.headers.get("Retry-After") ? " (Retry-After " + res.headers.get("Retry-After") + "s)" : ""));
          }
          return body.data;
        });
      })
      .then(function (data) {
        if (s.ended) { return; }
        s.id = data.session_id;
        s.secret = data.signing_secret;
        return connect(s, data);
      }, function (err) {
        if (s.ended) { return; }
        warn("Failed to get token: " + err.message);
        endSession(s, null);
        show("error", { status: TEXTS.tokenError, fallback: true });
      });
  }

  function connect(s, data) {
    var pc = s.pc = new RTCPeerConnection({ iceServers: [] });
    s.stream.getTracks().forEach(function (t) { pc.addTrack(t, s.stream); });
    s.channel = pc.createDataChannel("oai-events");
    s.channel.onmessage = function (ev) {
      if (s.ended) { return; }
      if (!s.started) { s.begin(); } // a message means the connection is up, even if "connected" has not fired yet
      if (s.held) { s.held.push(ev.data); } else { onEvent(s, ev.data); }
    };
    pc.ontrack = function (ev) {
      // Attached to a muted element so the browser pulls the audio through at once.
      var audio = s.audio = new Audio();
      audio.muted = true;
      audio.srcObject = ev.streams[0] || new MediaStream([ev.track]);
      audio.play().catch(function () {});
    };
    var timer = setTimeout(function () { failNetwork(s, "not connected after " + config.connect_timeout_ms + " ms"); },
      config.connect_timeout_ms);
    s.begin = function () { // once: on "connected", or on the first message should that come first
      if (s.started || s.ended) { return; }
      s.started = true;
      clearTimeout(timer);
      show("listening", { status: TEXTS.listening });
      analytics("session_start");
      watchSilence(s);
      s.startedAt = s.lastSpeech = Date.now();
      s.limits = setInterval(function () { checkLimits(s); }, 1000);
      // Messages wait for the next task, in order: Listening is shown (and announced) on its own
      // before anything they do. Measured: when the model spoke first and its message beat
      // "connected", Listening and Speaking were set in one task and Listening was never seen.
      s.held = [];
      setTimeout(function () {
        var held = s.held;
        s.held = null;
        held.forEach(function (raw) { if (!s.ended) { onEvent(s, raw); } });
      }, 0);
    };
    pc.onconnectionstatechange = function () {
      log("peer connection: " + pc.connectionState);
      if (pc.connectionState === "connected") {
        s.begin();
      } else if (pc.connectionState === "failed") {
        clearTimeout(timer);
        failNetwork(s, "ICE failed");
      }
    };
    var url = (config.realtime_url || apiBase + "/v1/realtime") + "?model=" + encodeURIComponent(data.model || "");
    return pc.createOffer()
      .then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () { return waitIceGathering(pc); })
      .then(function () {
        return fetch(url, { method: "POST", body: pc.localDescription.sdp, credentials: "omit",
          headers: { "Authorization": "Bearer " + data.client_secret.value, "Content-Type": "application/sdp" } });
      })
      .then(function (res) {
        if (!res.ok) { throw new Error("realtime offer: HTTP " + res.status); }
        return res.text();
      })
      .then(function (sdp) { if (!s.ended) { return pc.setRemoteDescription({ type: "answer", sdp: sdp }); } })
      .catch(function (err) { clearTimeout(timer); failNetwork(s, err.message || String(err)); });
  }

  function waitIceGathering(pc) {
    if (pc.iceGatheringState === "complete") { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var done = function () { if (pc.iceGatheringState === "complete") { resolve(); } };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 2000); // send what was gathered; trickle is not used
    });
  }

  function failNetwork(s, why) {
    if (s.ended) { return; }
    warn("voice session failed: " + why);
    endSession(s, "network");
    show("network-error", { status: TEXTS.network, fallback: true });
  }

  function onEvent(s, raw) {
    var msg;
    try { msg = JSON.parse(raw); } catch (e) { return; }
    if (/^(output_audio_buffer\.(started|stopped)|input_audio_buffer\.speech_(started|stopped))$/.test(msg.type)) {
      s.lastSpeech = Date.now(); // speech, or its end: the idle time counts from here
    }
    if (msg.type === "input_audio_buffer.speech_started") { s.visitorSpeaking = true; }
    else if (msg.type === "input_audio_buffer.speech_stopped") { s.visitorSpeaking = false; }
    else if (msg.type === "output_audio_buffer.started") { s.speaking = true; show("speaking", { status: TEXTS.speaking }); }
    else if (msg.type === "output_audio_buffer.stopped") { s.speaking = false; show("listening", { status: TEXTS.listening }); }
    else if (msg.type === "tool_call" || msg.name) { runTool(s, msg); }
  }

  function runTool(s, call) {
    analytics("function_call", { name: call.name });
    var args = {};
    try { args = typeof call.arguments === "string" ? JSON.parse(call.arguments) : (call.arguments || {}); } catch (e) {}
    var result = call.name === "query_database" ? signedQuery(s, args) : Promise.resolve({ error: "unknown tool" });
    result.then(function (output) {
      if (s.channel && s.channel.readyState === "open") {
        s.channel.send(JSON.stringify({ type: "tool_result", call_id: call.call_id, name: call.name, output: output }));
      }
    });
  }

  function signedQuery(s, args) {
    var body = JSON.stringify(args);
    var enc = new TextEncoder();
    return crypto.subtle.importKey("raw", enc.encode(s.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (key) { return crypto.subtle.sign("HMAC", key, enc.encode(body)); })
      .then(function (sig) {
        var hex = Array.prototype.map.call(new Uint8Array(sig), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
        return apiFetch("/query", { method: "POST", body: body, headers: {
          "Content-Type": "application/json", "X-Spelo-Signature": "sha256=" + hex, "X-Spelo-Session": s.id || "" } });
      })
      .then(function (res) { analytics("db_query", { status: res.status }); return res.json(); })
      .catch(function (e) { return { error: String(e) }; });
  }

  // The input is watched for a few seconds: a device that only sends zeros gets a message.
  function watchSilence(s) {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    var ctx = s.ctx = new Ctx();
    var analyser = ctx.createAnalyser();
    ctx.createMediaStreamSource(s.stream).connect(analyser);
    var buf = new Float32Array(analyser.fftSize);
    var heard = false;
    var started = performance.now();
    ctx.resume().catch(function () {});
    (function poll() {
      if (s.ended) { return; }
      analyser.getFloatTimeDomainData(buf);
      for (var i = 0; i < buf.length; i++) { if (buf[i] !== 0) { heard = true; break; } }
      if (heard) { return; }
      if (performance.now() - started > SILENCE_WINDOW_MS) {
        warn("no sound from the microphone in " + SILENCE_WINDOW_MS + " ms");
        show(state === "speaking" ? "speaking" : "listening", { status: TEXTS.silent, fallback: true });
        ui.root.setAttribute("data-silent", "true");
        return;
      }
      setTimeout(poll, 100);
    })();
  }

  // The session's limits, checked every second against Date.now() (so a clock that jumps ahead
  // is seen at the next check): the 2-hour cap first, then 5 minutes with nobody speaking.
  function checkLimits(s) {
    if (s.ended) { return; }
    var now = Date.now();
    if (now - s.startedAt >= CAP_MS) { endByLimit(s, "cap", TEXTS.capEnded); }
    else if (!s.speaking && !s.visitorSpeaking && now - s.lastSpeech >= IDLE_MS) { endByLimit(s, "idle", TEXTS.idleEnded); }
  }

  function endByLimit(s, reason, text) {
    log("session ended: " + reason);
    endSession(s, reason);
    show("idle", { status: text });
  }

  function endSession(s, reason) {
    if (!s || s.ended) { return; }
    var wasLive = !!s.started;
    s.ended = true;
    clearInterval(s.limits);
    if (wasLive) { analytics("session_end", { reason: reason || "hangup" }); }
    if (s.pc) { s.pc.close(); }
    if (s.ctx) { s.ctx.close().catch(function () {}); }
    s.stream.getTracks().forEach(function (t) { t.stop(); });
    if (session === s) { session = null; }
  }

  // ---- the orb ------------------------------------------------------------------------------
  function onOrb() {
    if (state === "framed" || state === "invalid") {
      warn(state === "framed" ? "Not started: the widget is inside a frame." : "Not started: invalid site id.");
      return;
    }
    if (state === "connecting" || state === "listening" || state === "speaking") {
      log("hang up");
      endSession(session, "hangup");
      show("idle");
      return;
    }
    if (state === "requesting" || state === "notice" || state === "loading") { return; }
    if (!noticeAccepted()) { showNotice(); return; }
    startMicrophone();
  }

  window.addEventListener("pagehide", function () { endSession(session, "tab_closed"); });

  // ---- start-up -----------------------------------------------------------------------------
  function framed() {
    try { return window.top !== window.self; } catch (e) { return true; }
  }

  function boot() {
    if (framed()) {
      render();
      warn("Not started: the widget is inside an iframe; install it on the top-level page.");
      show("framed", { status: TEXTS.framed, inert: true });
      return;
    }
    if (!SITE_ID_RE.test(siteId)) {
      render();
      console.error("[Spelo] invalid data-site-id " + JSON.stringify(siteId) + ": expected [a-z0-9]{8,32}");
      show("invalid", { status: TEXTS.invalid, inert: true });
      return;
    }
    var loadConfig = apiFetch("/config").then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.json();
    }).then(function (body) {
      Object.keys(body.data || {}).forEach(function (k) { if (body.data[k] !== null && body.data[k] !== undefined) { config[k] = body.data[k]; } });
    }).catch(function (e) { warn("config unavailable (" + e.message + "); using defaults"); });
    loadConfig.then(function () {
      if (!pageEnabled()) { log("not enabled on " + location.pathname); return; }
      // After the config, so the vendor sees the documented order: config, then site-intelligence.
      apiFetch("/site-intelligence").catch(function (e) { warn("site intelligence unavailable: " + e.message); });
      // The orb appears once the permission state is read, so that no click can come before
      // it and have to wait for it outside the gesture (bounded, should a browser never answer).
      // Measured: on a loaded machine WebKitGTK's answer can take over 2 s; a bound of 2 s then
      // showed the orb early, and a click that came before the answer asked for the microphone
      // only after it, outside the gesture. The bound is for a browser that never answers.
      var bounded = new Promise(function (resolve) { setTimeout(resolve, 8000); });
      Promise.race([refreshPermission(), bounded]).then(function () {
        render();
        show("idle");
        log("ready");
      });
    });
  }

  if (document.body) { boot(); } else { document.addEventListener("DOMContentLoaded", boot); }
})();

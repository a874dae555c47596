// The harness's pass-through spy on getUserMedia, injected at document start in every frame by
// every engine. It records each call (when, whether the page had user activation, the outcome)
// and then calls the browser's real getUserMedia unchanged: the permission and the device are
// always the browser's own. The one exception is a fault a scenario names under `inject`
// (no real means exists for it): then the call rejects with that error, marked injected.
//
// It also follows every microphone track a call returned (and the tracks cloned from them):
// its readyState, the page's stop() calls and the browser's `ended` event, without changing
// any of them (stop and clone are wrapped on the prototype and call the real ones). What the
// probe reads from it (harness/probe.js):
//   mic_live       the microphone tracks of this page that are still live (0 = released)
//   mic_tracks     each followed track: {label, state, stops, ended, clone}
//   mic_left_live  what the previous page of this tab still held when it was left (pagehide),
//                  or null when that page had no microphone track: see `leaving` below.
(function () {
  if (window.__speloSpy) { return; }
  var calls = [];
  var followed = []; // {track, label, stops, ended, clone}
  var spy = window.__speloSpy = { calls: calls, tracks: followed, left: null, lastInput: 0 };

  // Whether the page has transient user activation at a call: true, false, null (the engine does
  // not say), or the harness's doing. WebKitGTK's evaluate (how its driver reads the page) runs
  // the script with a forced gesture and then removes the page's transient activation (WebKitGTK
  // 2.50: ForceUserGesture + RemoveTransientActivation): while a read is in flight the page is
  // active, after it the click's 5 s of activation are over. That driver marks its reads
  // (window.__speloHarnessRead: when the last began; __speloHarnessReads: how many are in
  // flight), so: "not active" after such a read within 5 s of the visitor's last input is
  // CONSUMED; "active" during one, with no input in the last 5 s, is GIVEN. The last
  // activation-triggering input is taken here, before the page's own listeners (the spy's
  // capture listeners on window come first).
  var CONSUMED = "consumed by the harness's read", GIVEN = "given by the harness's read";
  ["keydown", "mousedown", "pointerdown", "touchend"].forEach(function (type) {
    window.addEventListener(type, function (ev) { if (ev.isTrusted) { spy.lastInput = performance.now(); } }, true);
  });
  spy.activation = function () {
    var ua = navigator.userActivation;
    if (!ua) { return null; }
    var read = window.__speloHarnessRead, input = spy.lastInput;
    var recent = input && performance.now() - input < 5000;
    if (ua.isActive) { return window.__speloHarnessReads > 0 && !recent ? GIVEN : true; }
    return read && recent && read >= input ? CONSUMED : false;
  };

  // Leaving the page: the browser ends a document's tracks itself once the document is gone, so
  // the question is whether the PAGE released them before that (its pagehide, a hang-up). Every
  // change is written at once, synchronously, to this tab's sessionStorage (top-level pages
  // only; it survives a reload or a same-origin navigation), and the next page's spy reads what
  // the last write said. A stop() made after the page was gone never gets written: not released.
  var LEAVING = "__spelo_harness_mic";
  var top = false;
  try { top = window.top === window; } catch (e) { top = false; }
  function store() {
    try { return top ? window.sessionStorage : null; } catch (e) { return null; } // opaque origins throw
  }
  var ss = store();
  if (ss) {
    try {
      var before = JSON.parse(ss.getItem(LEAVING) || "null");
      ss.removeItem(LEAVING);
      if (before && before.tracks && before.tracks.length) { spy.left = before; }
    } catch (e) { spy.left = null; }
  }
  function entries() {
    return followed.map(function (f) {
      return { label: f.label, state: f.track.readyState, stops: f.stops, ended: f.ended, clone: f.clone };
    });
  }
  spy.entries = entries;
  spy.follow = follow; // for the spies on the other ways to the microphone (their streams too)
  spy.live = function () {
    return followed.filter(function (f) { return f.track.readyState === "live"; }).length;
  };
  function written() {
    if (!ss || !followed.length) { return; }
    try {
      ss.setItem(LEAVING, JSON.stringify({ url: location.href, live: spy.live(), tracks: entries() }));
    } catch (e) { /* storage full or denied: the next page then knows nothing (null) */ }
  }

  function follow(track, clone) {
    if (!track || track.kind !== "audio") { return; }
    for (var i = 0; i < followed.length; i++) { if (followed[i].track === track) { return; } }
    var f = { track: track, label: track.label, stops: 0, ended: false, clone: !!clone };
    followed.push(f);
    track.addEventListener("ended", function () { f.ended = true; written(); });
    written();
  }
  function followedOne(track) {
    for (var i = 0; i < followed.length; i++) { if (followed[i].track === track) { return followed[i]; } }
    return null;
  }

  var TrackProto = window.MediaStreamTrack && window.MediaStreamTrack.prototype;
  if (TrackProto && typeof TrackProto.stop === "function") {
    var realStop = TrackProto.stop;
    var realClone = TrackProto.clone;
    Object.defineProperty(TrackProto, "stop", { configurable: true, writable: true, value: function stop() {
      var out = realStop.apply(this, arguments);
      var f = followedOne(this);
      if (f) { f.stops += 1; written(); }
      return out;
    } });
    if (typeof realClone === "function") {
      Object.defineProperty(TrackProto, "clone", { configurable: true, writable: true, value: function clone() {
        var copy = realClone.apply(this, arguments);
        if (followedOne(this)) { follow(copy, true); }
        return copy;
      } });
    }
  }
  var StreamProto = window.MediaStream && window.MediaStream.prototype;
  if (StreamProto && typeof StreamProto.clone === "function") {
    var realStreamClone = StreamProto.clone;
    Object.defineProperty(StreamProto, "clone", { configurable: true, writable: true, value: function clone() {
      var copy = realStreamClone.apply(this, arguments);
      var mine = this.getTracks().some(function (t) { return !!followedOne(t); });
      if (mine) { copy.getTracks().forEach(function (t) { follow(t, true); }); }
      return copy;
    } });
  }

  var md = navigator.mediaDevices;
  if (!md || typeof md.getUserMedia !== "function") { return; }
  // On the prototype, not the instance: a build may replace navigator.mediaDevices.getUserMedia
  // with a shim of its own that calls the prototype's method (a WebRTC adapter bundled in a real
  // build does so for Safari user agents, WebKitGTK's included); every path ends up here.
  var proto = Object.getPrototypeOf(md);
  var real = proto.getUserMedia;
  function spiedGetUserMedia(constraints) {
    var rec = {
      at: Math.round(performance.now()),
      activation: spy.activation(),
      constraints: JSON.stringify(constraints),
      outcome: "pending"
    };
    calls.push(rec);
    var fault = window.__speloFaults && window.__speloFaults.getUserMedia;
    if (fault) { // an injected fault, asked for by the scenario and named in its report
      rec.outcome = fault;
      rec.injected = true;
      return Promise.reject(new DOMException("Injected by the Spelo harness: " + fault, fault));
    }
    return real.call(this, constraints).then(function (stream) {
      rec.outcome = "ok";
      stream.getAudioTracks().forEach(function (t) { follow(t, false); });
      return stream;
    }, function (err) {
      rec.outcome = (err && err.name) || "Error";
      rec.message = (err && err.message) || "";
      throw err;
    });
  }
  Object.defineProperty(proto, "getUserMedia", { value: spiedGetUserMedia, configurable: true, writable: true });
})();

// The other ways a page reaches the microphone, spied the same way: each call is recorded (when,
// whether the page had transient user activation, its outcome) and the browser's own method is
// called with the page's own arguments; what the browser answers goes back to the page unchanged.
//   legacy getUserMedia   navigator.getUserMedia / webkitGetUserMedia / mozGetUserMedia, recorded
//                         in the same list as mediaDevices.getUserMedia, named by `api`
//   speech recognition    SpeechRecognition / webkitSpeechRecognition: start (and stop/abort),
//                         then the events the browser fires: start, audiostart, error (its code),
//                         end. An engine without a recognition service says so by its own error.
//   queries               mediaDevices.enumerateDevices and permissions.query: what the page
//                         asked about the microphone before (or instead of) asking for it
(function () {
  var spy = window.__speloSpy;
  if (!spy || spy.speech) { return; }
  var speech = spy.speech = [];
  var queries = spy.queries = [];
  function now() { return Math.round(performance.now()); }
  var activation = spy.activation;
  function named(err) { return (err && err.name) || "Error"; }
  function wrap(proto, name, make) {
    var real = proto && proto[name];
    if (typeof real !== "function" || real.__speloSpied) { return; }
    var spied = make(real);
    spied.__speloSpied = true;
    Object.defineProperty(proto, name, { value: spied, configurable: true, writable: true });
  }

  // -- legacy getUserMedia: callbacks, not a promise ---------------------------------------------
  ["getUserMedia", "webkitGetUserMedia", "mozGetUserMedia"].forEach(function (api) {
    wrap(Navigator.prototype, api, function (real) {
      return function (constraints, onSuccess, onError) {
        var rec = { at: now(), activation: activation(), constraints: JSON.stringify(constraints),
                    outcome: "pending", api: "navigator." + api };
        var before = spy.calls.length;
        spy.calls.push(rec);
        var ok = function (stream) {
          rec.outcome = "ok";
          if (typeof spy.follow === "function" && stream && stream.getAudioTracks) {
            stream.getAudioTracks().forEach(function (t) { spy.follow(t, false); });
          }
          if (typeof onSuccess === "function") { return onSuccess.apply(this, arguments); }
        };
        var failed = function (err) {
          rec.outcome = named(err);
          rec.message = (err && err.message) || "";
          if (typeof onError === "function") { return onError.apply(this, arguments); }
        };
        try {
          // the page's own callbacks where it gave none: the browser answers a missing one as ever
          return real.call(this, constraints, typeof onSuccess === "function" ? ok : onSuccess,
                           typeof onError === "function" ? failed : onError);
        } catch (e) {
          rec.outcome = named(e);
          rec.message = (e && e.message) || "";
          throw e;
        } finally {
          // An engine whose legacy method goes through mediaDevices.getUserMedia (spied above):
          // one call, recorded once, named by the way the page took.
          var inner = spy.calls.slice(before + 1);
          if (inner.length) {
            spy.calls.splice(before, 1);
            inner[0].api = rec.api;
          }
        }
      };
    });
  });

  // -- speech recognition --------------------------------------------------------------------------
  var listened = typeof WeakSet === "function" ? new WeakSet() : null;
  function current(recog) {
    for (var i = speech.length - 1; i >= 0; i--) { if (speech[i].recognition === recog) { return speech[i]; } }
    return null;
  }
  function listen(recog) {
    if (!listened || listened.has(recog)) { return; }
    listened.add(recog);
    ["start", "audiostart", "error", "end"].forEach(function (type) {
      recog.addEventListener(type, function (ev) {
        var rec = current(recog);
        if (!rec) { return; }
        rec.events.push(type === "error" ? "error:" + ev.error : type);
        if (type === "start" || type === "audiostart") {
          if (rec.outcome === "pending") { rec.outcome = "started"; }
        } else if (type === "error") {
          rec.outcome = ev.error || "error";
          rec.message = ev.message || "";
        } else {
          rec.ended = true;
        }
      });
    });
  }
  [window.SpeechRecognition, window.webkitSpeechRecognition].forEach(function (Ctor) {
    if (typeof Ctor !== "function") { return; }
    var proto = Ctor.prototype;
    var api = Ctor === window.SpeechRecognition ? "SpeechRecognition" : "webkitSpeechRecognition";
    wrap(proto, "start", function (real) {
      return function () {
        var rec = { at: now(), activation: activation(), api: api, outcome: "pending", events: [],
                    ended: false, stops: 0, message: "" };
        Object.defineProperty(rec, "recognition", { value: this, enumerable: false });
        listen(this);
        speech.push(rec);
        try {
          return real.apply(this, arguments);
        } catch (e) {
          rec.outcome = named(e);
          rec.message = (e && e.message) || "";
          throw e;
        }
      };
    });
    ["stop", "abort"].forEach(function (name) {
      wrap(proto, name, function (real) {
        return function () {
          var rec = current(this);
          if (rec) { rec.stops += 1; }
          return real.apply(this, arguments);
        };
      });
    });
  });

  // -- what the page asked about the microphone ----------------------------------------------------
  var md = navigator.mediaDevices;
  if (md) {
    wrap(Object.getPrototypeOf(md), "enumerateDevices", function (real) {
      return function () {
        var rec = { api: "enumerateDevices", at: now(), activation: activation(), outcome: "pending" };
        queries.push(rec);
        return real.apply(this, arguments).then(function (devices) {
          var inputs = Array.prototype.filter.call(devices, function (d) { return d.kind === "audioinput"; });
          rec.outcome = "ok";
          rec.audioinputs = inputs.length;
          rec.labels = inputs.some(function (d) { return !!d.label; });
          return devices;
        }, function (err) { rec.outcome = named(err); throw err; });
      };
    });
  }
  if (navigator.permissions && window.Permissions) {
    wrap(Permissions.prototype, "query", function (real) {
      return function (descriptor) {
        var rec = { api: "permissions.query", name: descriptor && descriptor.name, at: now(),
                    activation: activation(), outcome: "pending" };
        queries.push(rec);
        return real.apply(this, arguments).then(function (status) {
          rec.outcome = status && status.state;
          return status;
        }, function (err) { rec.outcome = named(err); throw err; });
      };
    });
  }
})();

// Requests in flight (fetch and XMLHttpRequest), counted and passed through unchanged: a page
// waiting on an answer is not at rest, however quiet its DOM (the runner judges a wrong cell once
// the page is at rest, harness/runner.py).
(function () {
  var spy = window.__speloSpy;
  if (!spy || spy.net) { return; }
  var net = spy.net = { inflight: 0 };
  function done() { net.inflight = Math.max(0, net.inflight - 1); }
  if (typeof window.fetch === "function") {
    var realFetch = window.fetch;
    var spiedFetch = function () {
      net.inflight += 1;
      var p;
      try { p = realFetch.apply(this, arguments); } catch (e) { done(); throw e; }
      p.then(done, done);
      return p;
    };
    Object.defineProperty(window, "fetch", { value: spiedFetch, configurable: true, writable: true });
  }
  var XHR = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
  if (XHR && typeof XHR.send === "function") {
    var realSend = XHR.send;
    Object.defineProperty(XHR, "send", { configurable: true, writable: true, value: function send() {
      var xhr = this;
      net.inflight += 1;
      xhr.addEventListener("loadend", done, { once: true });
      try { return realSend.apply(xhr, arguments); } catch (e) { done(); throw e; }
    } });
  }
})();

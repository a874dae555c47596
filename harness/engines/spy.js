// The harness's pass-through spy on getUserMedia, injected at document start in every frame by
// every engine. It records each call (when, whether the page had user activation, the outcome)
// and then calls the browser's real getUserMedia unchanged: the permission and the device are
// always the browser's own. The one exception is a fault a scenario names under `inject`
// (no real means exists for it): then the call rejects with that error, marked injected.
(function () {
  if (window.__speloSpy) { return; }
  var calls = [];
  window.__speloSpy = { calls: calls };
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
      activation: navigator.userActivation ? navigator.userActivation.isActive : null,
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
  function activation() { return navigator.userActivation ? navigator.userActivation.isActive : null; }
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

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

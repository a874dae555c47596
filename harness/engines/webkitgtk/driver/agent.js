// The WebKitGTK driver's agent, injected at document start in EVERY frame (main world), before
// spy.js. WebKitGTK's API has no console events and evaluates JavaScript in the main frame only,
// so each frame reports for itself:
//  - console.log/info/warn/error/debug and uncaught errors are forwarded, with the frame's URL, to
//    the driver's script message handler (the original console method still runs);
//  - it answers evaluation requests relayed by the top page through postMessage: only from its
//    parent window and only with the driver's secret (__NONCE__, replaced by the driver), so the
//    page cannot drive it. The reply goes back on a MessageChannel port: first an ack (so the
//    relay knows which document answered), then the JSON result.
(function () {
  if (window.__speloAgent) { return; }
  Object.defineProperty(window, "__speloAgent", { value: true });
  var NONCE = "__NONCE__";
  var handlers = window.webkit && window.webkit.messageHandlers;
  var sink = handlers && handlers.speloHarness;

  function post(msg) {
    try { sink.postMessage(msg); } catch (e) { /* the view is closing */ }
  }
  function fmt(arg) {
    if (typeof arg === "string") { return arg; }
    if (arg instanceof Error) { return String(arg); }
    try { var j = JSON.stringify(arg); return j === undefined ? String(arg) : j; } catch (e) { return String(arg); }
  }
  ["log", "info", "warn", "error", "debug"].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      post({ kind: "console", level: level === "warn" ? "warning" : level,
        text: Array.prototype.map.call(arguments, fmt).join(" "), url: location.href });
      return original.apply(console, arguments);
    };
  });
  window.addEventListener("error", function (ev) {
    post({ kind: "console", level: "pageerror", text: String(ev.message), url: location.href });
  });

  function json(v) { return v === undefined ? "null" : JSON.stringify(v); }
  window.addEventListener("message", function (ev) {
    var d = ev.data;
    if (!d || d.speloEval !== NONCE || ev.source !== window.parent || !ev.ports[0]) { return; }
    ev.stopImmediatePropagation(); // the page's own listeners never see the harness's traffic
    var port = ev.ports[0];
    port.postMessage({ ack: true, href: location.href, ready: document.readyState });
    // The top-level read that relayed this gives and removes this frame's activation too
    // (engines/spy.js): marked in this frame as well.
    window.__speloHarnessRead = performance.now();
    window.__speloHarnessReads = (window.__speloHarnessReads || 0) + 1;
    Promise.resolve().then(function () {
      var v = (0, eval)(d.expr); // indirect eval: global scope of this frame
      return typeof v === "function" ? v() : v;
    }).then(function (v) {
      window.__speloHarnessReads -= 1;
      port.postMessage({ ok: true, value: json(v) });
    }, function (err) {
      window.__speloHarnessReads -= 1;
      port.postMessage({ ok: false, error: (err && err.message) || String(err) });
    });
  }, true);
})();

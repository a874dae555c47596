// Touch as the page sees it, for an engine with no touch emulation of its own (WebKitGTK; in
// Chromium and Playwright's WebKit, Playwright's has_touch gives it). Injected at document start
// in every frame, only in a mobile row, and named in the cell's means. It changes what the page
// reads of its input devices, never the permission or microphone APIs. What it cannot give (the
// cell's means say so too): a tap still reaches the page as a mouse click (no touchstart/touchend,
// pointerType "mouse"), and a stylesheet's own @media (pointer: coarse) rules do not apply.
(function () {
  if (window.__speloTouch) { return; }
  window.__speloTouch = true;
  Object.defineProperty(Navigator.prototype, "maxTouchPoints", {
    configurable: true, enumerable: true, get: function () { return 5; }
  });
  // The touch event handler attributes a touch device has ("ontouchstart" in window), each
  // working as an event handler attribute does: one listener, replaced on assignment.
  function handlerAttribute(proto, type) {
    if (!proto || ("on" + type) in proto) { return; }
    var handlers = new WeakMap();
    Object.defineProperty(proto, "on" + type, {
      configurable: true, enumerable: true,
      get: function () { return handlers.get(this) || null; },
      set: function (fn) {
        var old = handlers.get(this);
        if (old) { this.removeEventListener(type, old); handlers.delete(this); }
        if (typeof fn === "function") { handlers.set(this, fn); this.addEventListener(type, fn); }
      }
    });
  }
  ["touchstart", "touchend", "touchmove", "touchcancel"].forEach(function (type) {
    [window.Window, window.Document, window.HTMLElement, window.SVGElement].forEach(function (cls) {
      if (cls) { handlerAttribute(cls.prototype, type); }
    });
  });
  // matchMedia answers the pointer and hover features as a touch screen's: coarse, no hover.
  var realMatch = window.matchMedia;
  if (typeof realMatch !== "function") { return; }
  var screen = { "pointer": "coarse", "any-pointer": "coarse", "hover": "none", "any-hover": "none" };
  var FEATURE = /\(\s*(any-pointer|pointer|any-hover|hover)\s*(?::\s*([a-z-]+)\s*)?\)/g;
  window.matchMedia = function matchMedia(query) {
    var asked = String(query).replace(FEATURE, function (_, feature, value) {
      var holds = value === undefined ? screen[feature] !== "none" : screen[feature] === value;
      return holds ? "(min-width: 0px)" : "(max-width: -1px)";
    });
    return realMatch.call(window, asked);
  };
})();

// The runner's poll interval, ended early by a change in the frame's DOM: resolves after `ms`,
// or at once when the DOM changed since the previous settle returned `seen`, or at the first
// change. A counter kept by one observer per document covers the gap between two settles (the
// runner probes the page there; a change in that gap used to cost a whole interval). The
// observer's callback runs after the task that changed the DOM, so a state attribute and its
// status text set together arrive together. Resolves with the counter.
(function (ms, seen) {
  var w = window.__speloSettle;
  if (!w) {
    w = window.__speloSettle = { n: 0, wake: null };
    new MutationObserver(function () { w.n++; if (w.wake) { w.wake(); } })
      .observe(document.documentElement, { subtree: true, attributes: true, childList: true, characterData: true });
  }
  return new Promise(function (resolve) {
    if (w.n !== seen) { return resolve(w.n); }
    var timer = setTimeout(done, ms);
    w.wake = done;
    function done() { clearTimeout(timer); w.wake = null; resolve(w.n); }
  });
})

// What still moves on the page, for "at rest" (harness/observe.py): the animations and transitions
// running now (document.getAnimations(), and each open shadow root's, where a custom element's
// styles animate), and how many resources the page has fetched (Resource Timing), so that a page
// still loading (a chunk, an image, a call to its vendor) is not read as settled. An endless
// animation (a pulsing orb, a spinner that never stops) is how the build looks at rest, not a
// change to wait out: it is left out, as is one that is paused or finished.
(function () {
  var seen = new Set(), running = 0;
  function count(list) {
    for (var i = 0; i < list.length; i++) {
      var a = list[i];
      if (seen.has(a)) { continue; }
      seen.add(a);
      if (a.playState !== "running") { continue; }
      var t = a.effect && a.effect.getComputedTiming ? a.effect.getComputedTiming() : null;
      if (t && t.endTime === Infinity) { continue; }
      running++;
    }
  }
  if (document.getAnimations) { count(document.getAnimations()); }
  var walker = document.createTreeWalker(document, NodeFilter.SHOW_ELEMENT);
  (function walk(w) {
    for (var e = w.currentNode; e; e = w.nextNode()) {
      if (e.shadowRoot) {
        if (e.shadowRoot.getAnimations) { count(e.shadowRoot.getAnimations()); }
        walk(document.createTreeWalker(e.shadowRoot, NodeFilter.SHOW_ELEMENT));
      }
    }
  })(walker);
  var resources = performance.getEntriesByType ? performance.getEntriesByType("resource").length : 0;
  return { animations: running, resources: resources };
})()

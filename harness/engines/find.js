// The one selector resolver of the harness: the probe, the runner's waits and every engine's
// clicks find elements through it, so a profile's selector means the same thing everywhere.
// document.querySelector never enters a shadow root; real widgets render inside one (often
// nested: a custom element whose shadow tree holds another). The syntax:
//   part >>> part >>> part
// Each part is a CSS selector, optionally ending in :has-text("words") (the element's text,
// whitespace folded, contains the words, case-insensitively, as Playwright's pseudo-class).
// The first part is looked up in `scope` (default: the document); each next part inside the
// open shadow root of the element found before it, or, should that hold no match (or there be
// no shadow root), among the element's own descendants. So "host >>> .part" reads "the .part
// that belongs to host", whether host renders it in its shadow tree or its light DOM.
// Returns every match of the last part (all = true), or one (all = false): the first the visitor
// can see, else the first. A build may keep a faded-out copy of a part in the DOM before the one
// that shows (ElevenLabs' call panel, whose cancelled fade leaves it at opacity 0): the probe reads,
// the runner waits for and the engines click the one that shows, so they agree on the element.
(function (selector, scope, all) {
  var TEXT = /:has-text\((["'])(.*)\1\)\s*$/;
  function parse(part) {
    var m = TEXT.exec(part);
    return m ? { css: part.slice(0, m.index).trim() || "*", text: m[2].toLowerCase() } : { css: part.trim(), text: null };
  }
  function words(e) { return (e.textContent || "").replace(/\s+/g, " ").trim().toLowerCase(); }
  function within(node, p) {
    var found = Array.prototype.slice.call(node.querySelectorAll(p.css));
    return p.text === null ? found : found.filter(function (e) { return words(e).indexOf(p.text) >= 0; });
  }
  function under(el, p) {
    var inShadow = el.shadowRoot ? within(el.shadowRoot, p) : [];
    return inShadow.length ? inShadow : within(el, p);
  }
  // Seen: it has a box, and neither it nor an ancestor (across shadow boundaries) hides it.
  function seen(e) {
    if (e.hidden || e.getClientRects().length === 0) { return false; }
    return e.checkVisibility ? e.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : true;
  }
  var parts = String(selector).split(">>>").map(parse);
  var current = within(scope || document, parts[0]);
  for (var i = 1; i < parts.length && current.length; i++) {
    var next = [];
    for (var j = 0; j < current.length; j++) {
      under(current[j], parts[i]).forEach(function (e) { if (next.indexOf(e) < 0) { next.push(e); } });
    }
    current = next;
  }
  if (all) { return current; }
  for (var k = 0; k < current.length; k++) { if (seen(current[k])) { return current[k]; } }
  return current[0] || null;
})

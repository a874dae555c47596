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
// Returns the first visible-or-not match (all = false) or every match of the last part.
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
  var parts = String(selector).split(">>>").map(parse);
  var current = within(scope || document, parts[0]);
  for (var i = 1; i < parts.length && current.length; i++) {
    var next = [];
    for (var j = 0; j < current.length; j++) {
      under(current[j], parts[i]).forEach(function (e) { if (next.indexOf(e) < 0) { next.push(e); } });
      if (next.length && !all) { break; }
    }
    current = next;
  }
  return all ? current : (current[0] || null);
})

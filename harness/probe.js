// A snapshot of the widget as a visitor perceives it: visible texts, the orb's role and name,
// whether the notice and the fallback link show, plus the diagnostics (state attribute, the
// getUserMedia spy's record). Evaluated by every engine in the widget's frame.
(function (p) {
  var root = document.querySelector(p.root);
  function visible(e) {
    if (!e || e.hidden || e.getClientRects().length === 0) { return false; }
    var style = getComputedStyle(e);
    return style.visibility !== "hidden" && style.display !== "none";
  }
  function text(sel) {
    var e = root && root.querySelector(sel);
    return visible(e) ? e.textContent.replace(/\s+/g, " ").trim() : "";
  }
  // The history of states and status texts, recorded by an observer installed on the first
  // probe (the runner probes right after the page loads), so that short-lived states such as
  // Speaking are seen however the polls fall.
  if (!window.__speloHistory) {
    var hist = window.__speloHistory = [];
    var note = function () {
      var r = document.querySelector(p.root);
      if (!r) { return; }
      var st = r.getAttribute(p.state_attr), s = r.querySelector(p.status);
      var tx = s && visible(s) ? s.textContent.replace(/\s+/g, " ").trim() : "";
      var last = hist[hist.length - 1];
      if (!last || last.state !== st || last.status !== tx) { hist.push({ state: st, status: tx }); }
    };
    note();
    new MutationObserver(note).observe(document.documentElement,
      { subtree: true, attributes: true, childList: true, characterData: true });
  }
  var orb = root && root.querySelector(p.orb);
  var fallback = root && root.querySelector(p.fallback);
  var spy = window.__speloSpy || { calls: [] };
  var live = root ? root.querySelectorAll("[aria-live], [role=status], [role=alert]").length : 0;
  return {
    present: !!root,
    state: root ? root.getAttribute(p.state_attr) : null,
    status: text(p.status),
    tooltip: text(p.tooltip),
    notice: visible(root && root.querySelector(p.notice)),
    fallback: visible(fallback),
    fallback_href: fallback ? fallback.href : null,
    orb: orb ? {
      tag: orb.tagName.toLowerCase(),
      name: orb.getAttribute("aria-label") || orb.textContent.trim(),
      disabled: orb.getAttribute("aria-disabled") === "true" || orb.disabled === true,
      focused: document.activeElement === orb
    } : null,
    live_regions: live,
    text: root && visible(root) ? root.innerText.replace(/\s+/g, " ").trim() : "",
    gum: spy.calls.map(function (c) { return { at: c.at, activation: c.activation, outcome: c.outcome, message: c.message || "", injected: !!c.injected }; }),
    history: window.__speloHistory || [],
    secure_context: window.isSecureContext,
    url: location.href
  };
})

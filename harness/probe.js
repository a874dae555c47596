// A snapshot of the widget as a visitor perceives it: visible texts, the orb's role and name,
// whether the notice and the fallback link show, the state (an attribute, or the profile's state
// rules over what shows), plus the diagnostics (the getUserMedia spy's record). Evaluated by every
// engine in the widget's frame. `p` holds the profile's selectors, all from the document (find.js
// syntax: they may pierce open shadow roots); `find` is find.js itself.
(function (p, find) {
  var root = find(p.root);
  // Shown: not hidden by its own style. A build that fades a dialog out leaves it in the DOM at
  // opacity 0; the visitor no longer sees it.
  function shown(e) {
    if (e.hidden) { return false; }
    var style = getComputedStyle(e);
    return style.visibility !== "hidden" && style.display !== "none" && style.opacity !== "0";
  }
  // Visible: it has a box, and neither it nor an ancestor (across shadow boundaries) hides it.
  function visible(e) {
    if (!e || e.getClientRects().length === 0 || !shown(e)) { return false; }
    return e.checkVisibility ? e.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : true;
  }
  // What a selector shows: its first match the visitor can see, else null. A build may keep a copy
  // it has faded out in the DOM, before the one that shows or instead of it: ElevenLabs' call
  // panel stays at opacity 0 whenever its fade-out transition is cancelled (no transitionend, so
  // its component never unmounts), in some runs and not others. The visitor sees the same page
  // either way, so the orb, the parts, the notice and the rules read only what shows.
  function shownMatch(sel) {
    var all = sel ? find(sel, null, true) : [];
    for (var i = 0; i < all.length; i++) { if (visible(all[i])) { return all[i]; } }
    return null;
  }
  // The text a visitor sees in an element. Without shadow trees as before: a part's textContent,
  // the root's innerText. innerText stops at a shadow root, so there the visible text nodes are
  // walked in tree order (a host's shadow tree in place of its children), with a space around
  // every element that is not inline, as innerText would break the line there.
  function hasShadow(e) {
    if (e.shadowRoot) { return true; }
    var all = e.querySelectorAll("*");
    for (var i = 0; i < all.length; i++) { if (all[i].shadowRoot) { return true; } }
    return false;
  }
  function walked(el) {
    var out = [];
    (function walk(n) {
      if (n.nodeType === 3) { out.push(n.nodeValue); return; }
      var block = false;
      if (n.nodeType === 1) {
        if (/^(STYLE|SCRIPT|TEMPLATE|NOSCRIPT)$/.test(n.tagName) || !shown(n)) { return; }
        if (n.tagName === "SLOT") { n.assignedNodes({ flatten: true }).forEach(walk); return; }
        block = getComputedStyle(n).display.indexOf("inline") !== 0;
      }
      if (block) { out.push(" "); }
      var kids = n.shadowRoot ? n.shadowRoot.childNodes : n.childNodes;
      for (var i = 0; i < kids.length; i++) { walk(kids[i]); }
      if (block) { out.push(" "); }
    })(el);
    return out.join("");
  }
  function fold(t) { return t.replace(/\s+/g, " ").trim(); }
  function seen(e) { return fold(hasShadow(e) ? walked(e) : e.innerText); }
  // The root's text, if the visitor can see the root. A shadow host often has no box of its own
  // (its shadow tree is all fixed-position overlays): there, not being hidden is enough.
  function rootText(r) {
    return r && (visible(r) || (r.shadowRoot && shown(r))) ? seen(r) : "";
  }
  function text(sel) {
    var e = shownMatch(sel);
    return e ? fold(hasShadow(e) ? walked(e) : e.textContent) : "";
  }
  // The last microphone access's outcome, as a state rule's `mic` condition reads it: "none"
  // before any, "pending" while the browser has not answered (its prompt may be open); the
  // latest of the getUserMedia family's calls and speech recognition's starts (spy.js).
  function lastMic() {
    var spy = window.__speloSpy || {}, all = (spy.calls || []).concat(spy.speech || []), last = null;
    for (var i = 0; i < all.length; i++) { if (!last || all[i].at >= last.at) { last = all[i]; } }
    return last ? String(last.outcome) : "none";
  }
  // One condition of a state rule (harness/profile_rules.py compiles them): leaves read what the
  // visitor perceives; all / any / not combine them. `ctx` caches the widget's text per read.
  function holds(c, r, ctx) {
    if (c.all) { return c.all.every(function (x) { return holds(x, r, ctx); }); }
    if (c.any) { return c.any.some(function (x) { return holds(x, r, ctx); }); }
    if (c.not) { return !holds(c.not, r, ctx); }
    if (c.visible) { return shownMatch(c.visible) !== null; }
    if (c.attribute) {
      var a = c.attribute, e = a.selector ? find(a.selector) : r;
      return !!e && e.getAttribute(a.name) === a.value;
    }
    if (c.mic) { return c.mic.indexOf(lastMic()) >= 0; }
    var words;
    if (c["in"]) { words = text(c["in"]); }
    else { words = ctx.words === undefined ? (ctx.words = rootText(r)) : ctx.words; }
    return c.text !== undefined && c.text !== null ? words.indexOf(c.text) >= 0 : new RegExp(c.regex).test(words);
  }
  // The state: the attribute where the build has one; else the first rule that holds, with the
  // rule's label (the report names it). state null: none did (the snapshot's text then says what
  // the visitor saw instead).
  function stateOf(r) {
    if (!r) { return { state: null, rule: null }; }
    var st = p.state_attr ? r.getAttribute(p.state_attr) : null;
    if (st !== null || !p.rules.length) { return { state: st, rule: null }; }
    var ctx = {};
    for (var i = 0; i < p.rules.length; i++) {
      if (holds(p.rules[i].cond, r, ctx)) { return { state: p.rules[i].state, rule: p.rules[i].label }; }
    }
    return { state: null, rule: null };
  }
  // Mutations inside a shadow tree do not reach an observer of the document: every open shadow
  // root gets its own, once, as it appears.
  function observeAll(obs, node) {
    var seenRoots = window.__speloObserved || (window.__speloObserved = new WeakSet());
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_ELEMENT);
    for (var e = walker.currentNode; e; e = walker.nextNode()) {
      if (e.shadowRoot && !seenRoots.has(e.shadowRoot)) {
        seenRoots.add(e.shadowRoot);
        obs.observe(e.shadowRoot, { subtree: true, attributes: true, childList: true, characterData: true });
        observeAll(obs, e.shadowRoot);
      }
    }
  }
  // The history of states and status texts, recorded by an observer installed on the first
  // probe (the runner probes right after the page loads), so that short-lived states such as
  // Speaking are seen however the polls fall.
  if (!window.__speloHistory) {
    var hist = window.__speloHistory = [];
    var note = function () {
      var r = find(p.root);
      if (!r) { return; }
      var st = stateOf(r).state, tx = text(p.status);
      var last = hist[hist.length - 1];
      if (!last || last.state !== st || last.status !== tx) { hist.push({ state: st, status: tx }); }
    };
    note();
    window.__speloNote = note;
    var obs = window.__speloObserver = new MutationObserver(function () { observeAll(obs, document); note(); });
    obs.observe(document.documentElement, { subtree: true, attributes: true, childList: true, characterData: true });
  }
  if (window.__speloObserver) { observeAll(window.__speloObserver, document); }
  // A change no mutation announces (a CSS transition ending, a dialog faded in) reaches the
  // history at the latest with the poll that sees it.
  if (window.__speloNote) { window.__speloNote(); }
  var orb = shownMatch(p.orb);
  var fallback = shownMatch(p.fallback) || (p.fallback ? find(p.fallback) : null);  // its href even when hidden
  var spy = window.__speloSpy || { calls: [] };
  var live = root ? (root.shadowRoot || root).querySelectorAll("[aria-live], [role=status], [role=alert]").length : 0;
  function focusVisible(e) {
    try { return e.matches(":focus-visible"); } catch (err) { return null; }
  }
  var active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) { active = active.shadowRoot.activeElement; }
  var read = stateOf(root), state = read.state;
  return {
    present: !!root,
    state: state,
    state_rule: read.rule,
    state_unknown: !!root && state === null && p.rules.length > 0,
    status: text(p.status),
    tooltip: text(p.tooltip),
    notice: shownMatch(p.notice) !== null,
    fallback: visible(fallback),
    fallback_href: fallback ? fallback.href : null,
    // Every link the visitor can see in the widget, with where it leads (a configured URL's effect).
    links: root ? Array.prototype.filter.call((root.shadowRoot || root).querySelectorAll("a[href]"), visible)
      .map(function (a) { return { text: fold(a.textContent), href: a.href }; }) : [],
    orb: orb ? {
      tag: orb.tagName.toLowerCase(),
      name: orb.getAttribute("aria-label") || orb.textContent.trim(),
      disabled: orb.getAttribute("aria-disabled") === "true" || orb.disabled === true,
      focused: active === orb,
      // The focus the visitor sees: a ring where the browser draws one (:focus-visible: after keys,
      // not after a mouse click that left the focus on a button). null where the engine lacks it.
      focus_visible: active === orb ? focusVisible(orb) : false
    } : null,
    live_regions: live,
    text: rootText(root),
    gum: spy.calls.map(function (c) { return { at: c.at, activation: c.activation, outcome: c.outcome, message: c.message || "", injected: !!c.injected, api: c.api || "mediaDevices.getUserMedia" }; }),
    speech: (spy.speech || []).map(function (c) { return { at: c.at, activation: c.activation, api: c.api, outcome: c.outcome, message: c.message, events: c.events.slice(), ended: c.ended, stops: c.stops }; }),
    mic_queries: (spy.queries || []).slice(),
    net_pending: spy.net ? spy.net.inflight : 0,
    history: window.__speloHistory || [],
    // The microphone's release (engines/spy.js): tracks of this page still live, each followed
    // track, and what the previous page of this tab still held when it was left.
    mic_live: spy.live ? spy.live() : 0,
    mic_tracks: spy.entries ? spy.entries() : [],
    mic_left_live: spy.left ? spy.left.live : null,
    // The input the page sees: a touch device has touch points, touch events and a coarse pointer.
    touch: {
      max_touch_points: navigator.maxTouchPoints || 0,
      touch_events: "ontouchstart" in window,
      coarse_pointer: !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches)
    },
    secure_context: window.isSecureContext,
    url: location.href
  };
})

/* The shadow-DOM variant of the reference widget: our own test page for what real embeddable
 * widgets do and the reference does not. The host page carries a custom element,
 *   <spelo-voice data-site-id="…" data-api-base="…"></spelo-voice> <script src="…/spelo-shadow.js">
 * whose open shadow root holds another custom element, <spelo-panel>, with an open shadow root of
 * its own (nested shadow roots); the reference widget, loaded from the file next to this one
 * (a build that loads a file next to itself), renders in there. Behaviour, states and texts are
 * the reference's; only where it lives differs, so it must pass the reference's cells.
 */
(function () {
  if (window.customElements.get("spelo-voice")) { return; }
  var me = document.currentScript;
  var widgetSrc = new URL("spelo.js", me ? me.src : location.href).href;

  customElements.define("spelo-panel", class extends HTMLElement {
    constructor() { super(); this.attachShadow({ mode: "open" }); }
  });

  customElements.define("spelo-voice", class extends HTMLElement {
    constructor() { super(); this.attachShadow({ mode: "open" }); }
    connectedCallback() {
      if (this.shadowRoot.firstChild) { return; }
      var panel = document.createElement("spelo-panel");
      this.shadowRoot.appendChild(panel);
      var s = document.createElement("script");
      s.src = widgetSrc;
      s.async = true;
      ["data-site-id", "data-api-base"].forEach(function (a) {
        if (this.hasAttribute(a)) { s.setAttribute(a, this.getAttribute(a)); }
      }, this);
      s.speloMount = panel.shadowRoot; // the reference widget renders here instead of <body>
      document.head.appendChild(s); // a script inside a shadow tree has no document.currentScript
    }
  });
})();

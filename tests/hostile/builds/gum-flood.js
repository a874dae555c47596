// Hostile: 1,000 getUserMedia calls on load (the spy records each; the probe must not carry them all).
(function () {
  if (!navigator.mediaDevices) { return; }
  for (var i = 0; i < 1000; i++) { navigator.mediaDevices.getUserMedia({audio: true}).catch(function () {}); }
})();

// A call button of our own with the pattern of ElevenLabs' convai widget (0.5.4) in WebKit
// (tests/test_webkitgtk_driver.py): the click handler turns "Start a call" into a DISABLED "End"
// while it connects, awaits its audio set-up (so getUserMedia is not called in the click's task),
// then asks for the microphone. With the prompt left unanswered the call stays pending and the
// button stays disabled: the page is at rest, and a visitor's second click lands on a disabled
// button, which does nothing. window.callLog says what the page did.
// A function expression: the test evaluates this file's text in the page.
(function () {
  window.callLog = { clicks: 0, gum: "not called" };
  var button = document.createElement("button");
  button.id = "call";
  button.setAttribute("aria-label", "Start a call");
  button.textContent = "Start a call";
  button.style.cssText = "position: fixed; left: 40px; top: 40px; width: 160px; height: 60px";
  button.addEventListener("click", async function () {
    window.callLog.clicks += 1;
    button.disabled = true;
    button.setAttribute("aria-label", "End");
    button.textContent = "End";
    // The audio set-up the build awaits before it asks (an AudioContext where there is one).
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) {
      var audio = new Ctx();
      await Promise.race([audio.resume(), new Promise(function (ok) { setTimeout(ok, 200); })]);
    }
    await new Promise(function (ok) { setTimeout(ok, 50); });
    window.callLog.gum = "pending";
    navigator.mediaDevices.getUserMedia({ audio: true }).then(
      function () { window.callLog.gum = "granted"; },
      function (err) { window.callLog.gum = err.name; }
    );
  });
  document.body.appendChild(button);
  return true;
})

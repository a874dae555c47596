// Hostile: a click anywhere starts a loop that never yields (capture phase, before the widget's own handler).
document.addEventListener("click", function () { for (;;) { /* never yields */ } }, true);

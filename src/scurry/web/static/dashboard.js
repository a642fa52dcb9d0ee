// Error answers (4xx/5xx) are swapped into the page like any other: the server
// renders them as HTML fragments with the reason.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "[45]..", swap: true, error: true },
];

// A log tail reads from its end: keep the newest lines in view after each refresh.
document.addEventListener("htmx:afterSwap", () => {
  for (const log of document.querySelectorAll("pre.log")) {
    log.scrollTop = log.scrollHeight;
  }
});

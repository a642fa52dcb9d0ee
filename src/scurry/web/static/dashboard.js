// Error answers (4xx/5xx) are swapped into the page like any other: the server
// renders them as HTML fragments with the reason.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "[45]..", swap: true, error: true },
];

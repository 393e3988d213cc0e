// Loads the real widget (/widget.js) for the bot named in this page's query string, opened, as the
// snippet would on a customer's page. A new load of the frame is a new preview.
(() => {
  const botId = new URLSearchParams(location.search).get("botId");
  if (!botId) return;
  const script = document.createElement("script");
  script.src = "/widget.js";
  script.dataset.botId = botId;
  script.dataset.open = "true";
  document.body.append(script);
})();

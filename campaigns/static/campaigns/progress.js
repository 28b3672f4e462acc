// Live progress of a campaign's broadcast on its admin change page (docs/campaigns.md).
// The page shows the figures without JavaScript; this refreshes them in place every 2.5 s
// while the round runs, from the admin's JSON endpoint (CampaignAdmin.progress_view).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const box = document.getElementById("broadcast-progress");
  if (!box || !box.dataset.running) {
    return;
  }
  const refresh = function () {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (figures) {
        for (const [name, line] of Object.entries(figures.lines)) {
          const element = box.querySelector('[data-progress="' + name + '"]');
          if (element) {
            element.textContent = line;
          }
        }
        if (figures.running) {
          window.setTimeout(refresh, 2500);
        }
      })
      .catch(function () {
        window.setTimeout(refresh, 10000); // a blip (a deploy, a dropped connection): try again later
      });
  };
  window.setTimeout(refresh, 2500);
});

// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary, so keyboard and screen reader users hear the errors first.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// The check-in code on the room's screen: fetch the current code every so often, with a
// button to stop and restart the updates (WCAG 2.2.1). Without JavaScript, a link shows the
// current code.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("code-panel");
  const toggle = document.querySelector("[data-refresh-toggle]");
  if (!panel || !toggle) {
    return;
  }
  const seconds = Number(panel.dataset.refreshSeconds) || 30;
  let timer = null;
  const update = async () => {
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) {
        return;
      }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("code-panel");
      if (fresh) {
        panel.innerHTML = fresh.innerHTML;
      }
    } catch (error) {
      // Offline for a moment: keep showing the code we have and try again next time.
    }
  };
  const start = () => {
    timer = window.setInterval(update, seconds * 1000);
    toggle.textContent = toggle.dataset.stopLabel;
  };
  const stop = () => {
    window.clearInterval(timer);
    timer = null;
    toggle.textContent = toggle.dataset.startLabel;
  };
  toggle.hidden = false;
  toggle.addEventListener("click", () => (timer === null ? start() : stop()));
  start();
});


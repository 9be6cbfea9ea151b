// The check-in screen in the room. Progressive enhancement only: without this file the page
// shows the code of the moment it was loaded, and a link loads the current one.
//
// The panel (code, QR code, countdown, count) is fetched again every few seconds, so the
// count of those checked in moves by itself, and again as soon as the countdown to the next
// code reaches zero. A button stops and restarts the updates (WCAG 2.2.1 and 2.2.2).
document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("code-panel");
  const toggle = document.querySelector("[data-refresh-toggle]");
  if (!holder || !toggle || !holder.dataset.source) {
    return;
  }
  const every = Math.max(Number(holder.dataset.refreshSeconds) || 15, 1) * 1000;
  let refreshTimer = null;
  let tickTimer = null;
  let deadline = null; // when the code shown changes, in this browser's clock
  let fetching = false;

  const countdown = () => holder.querySelector("[data-countdown]");

  // «4:05»: minutes and seconds, as a timer shows them.
  const format = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

  const readDeadline = () => {
    const panel = holder.querySelector("[data-seconds-left]");
    const seconds = panel ? Number(panel.dataset.secondsLeft) : NaN;
    deadline = Number.isFinite(seconds) && seconds > 0 ? Date.now() + seconds * 1000 : null;
  };

  const tick = () => {
    if (deadline === null) {
      return;
    }
    const left = Math.max(Math.ceil((deadline - Date.now()) / 1000), 0);
    const shown = countdown();
    if (shown) {
      shown.textContent = shown.dataset.template.replace("{time}", format(left));
    }
    if (left === 0) {
      update();
    }
  };

  const update = async () => {
    if (fetching) {
      return;
    }
    fetching = true;
    try {
      const response = await fetch(holder.dataset.source, {
        credentials: "same-origin",
        cache: "no-store", // always the code of the moment, never one the browser kept
      });
      // Signed out meanwhile: the answer is the login page, not a panel. Keep what is shown.
      if (response.ok && !response.redirected) {
        holder.innerHTML = await response.text();
        readDeadline();
        if (tickTimer !== null) {
          tick();
        }
      }
    } catch (error) {
      // Offline for a moment: keep showing the code we have and try again next time.
    } finally {
      fetching = false;
    }
  };

  const start = () => {
    refreshTimer = window.setInterval(update, every);
    tickTimer = window.setInterval(tick, 1000);
    toggle.textContent = toggle.dataset.stopLabel;
  };

  const stop = () => {
    window.clearInterval(refreshTimer);
    window.clearInterval(tickTimer);
    refreshTimer = null;
    tickTimer = null;
    toggle.textContent = toggle.dataset.startLabel;
    // A countdown that stands still would mislead: say when the code changes instead.
    const shown = countdown();
    if (shown) {
      shown.textContent = shown.dataset.stopped;
    }
  };

  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    if (refreshTimer === null) {
      start();
      update(); // the code may have changed while the updates were stopped
    } else {
      stop();
    }
  });
  readDeadline();
  start();
  tick();
});

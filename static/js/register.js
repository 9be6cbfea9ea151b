// The attendance register at the door. Without this file every button is a form that
// saves one person's mark and comes back to the row; with it the page stays put:
// - each mark is one request, answered with the new counts; a second click while one is
//   on its way is ignored, and a lost connection is tried again before it is reported;
// - the name search filters the rows as one types;
// - in a row, 1–4 marks the person and moves on; arrow keys up and down move between rows.
document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector(".register-table");
  if (!table) return;
  const rows = () => Array.from(table.querySelectorAll("tbody tr")).filter((row) => !row.hidden);
  const messages = document.getElementById("register-messages");
  const text = (key) => (messages ? messages.dataset[key] : "");

  // Answers to marks sent at once can arrive in any order; the counts made last win.
  let countsAsOf = 0;
  const showCounts = (counts, asOf) => {
    if (asOf < countsAsOf) return;
    countsAsOf = asOf;
    for (const [key, value] of Object.entries(counts)) {
      const figure = document.querySelector(`[data-count="${key}"]`);
      if (figure) figure.textContent = String(value);
    }
  };

  const showStatus = (row, status) => {
    row.dataset.status = status;
    const unmarked = row.querySelector(".register-unmarked");
    if (unmarked) unmarked.remove();
    for (const button of row.querySelectorAll("button[name=status]")) {
      const chosen = button.value === status;
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
      button.dataset.variant = chosen ? "primary" : "secondary";
    }
  };

  const say = (row, message, isError) => {
    const place = row.querySelector(".register-message");
    place.textContent = message;
    place.classList.toggle("register-message--error", Boolean(isError));
  };

  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // A slow or dropped connection: each try gets 15 seconds, and three tries are made.
  const send = async (form, status) => {
    const body = new FormData(form);
    body.set("status", status);
    for (let attempt = 1; ; attempt += 1) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 15000);
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body,
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: controller.signal,
        });
        return response;
      } catch (error) {
        if (attempt >= 3) throw error;
        await wait(1000 * attempt);
      } finally {
        clearTimeout(timer);
      }
    }
  };

  const save = async (form, status) => {
    const row = form.closest("tr");
    if (row.dataset.pending) {
      // One request per person at a time: a double click is dropped, and a different
      // choice made meanwhile is sent when the first has been answered.
      if (row.dataset.pending !== status) row.dataset.next = status;
      return;
    }
    row.dataset.pending = status;
    row.setAttribute("aria-busy", "true");
    say(row, text("saving"));
    try {
      const response = await send(form, status);
      const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
      if (!isJson) {
        // Signed out, or the page is old: let the browser send the form as it is.
        form.dataset.plain = "true";
        form.requestSubmit(form.querySelector(`button[value="${status}"]`));
        return;
      }
      const data = await response.json();
      if (!response.ok) {
        say(row, data.error, true);
        return;
      }
      showStatus(row, data.status);
      showCounts(data.counts, data.as_of);
      say(row, text("saved"));
    } catch (error) {
      say(row, text("failed"), true);
    } finally {
      delete row.dataset.pending;
      row.removeAttribute("aria-busy");
      const next = row.dataset.next;
      delete row.dataset.next;
      if (next && next !== row.dataset.status) save(form, next);
    }
  };

  table.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.plain) return;
    event.preventDefault();
    const button = event.submitter;
    const status = button && button.name === "status" ? button.value : form.closest("tr").dataset.status;
    if (status) save(form, status);
  });

  // A changed note is saved with the mark the person already has.
  table.addEventListener("change", (event) => {
    const input = event.target;
    if (input.name !== "note") return;
    const row = input.closest("tr");
    if (row.dataset.status) save(input.form, row.dataset.status);
    else say(row, text("needsStatus"));
  });

  const moveTo = (row, index) => {
    if (!row) return;
    const buttons = row.querySelectorAll("button[name=status]");
    const target = buttons[Math.min(index, buttons.length - 1)];
    if (target) target.focus();
  };

  table.addEventListener("keydown", (event) => {
    const row = event.target.closest("tr");
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;
    const inNote = event.target.name === "note";
    const visible = rows();
    const at = visible.indexOf(row);
    const buttons = Array.from(row.querySelectorAll("button[name=status]"));
    const index = Math.max(buttons.indexOf(event.target), 0);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (inNote) return;
      event.preventDefault();
      moveTo(visible[at + (event.key === "ArrowDown" ? 1 : -1)], index);
      return;
    }
    if (inNote) return;
    const button = buttons.find((candidate) => candidate.dataset.key === event.key);
    if (!button) return;
    event.preventDefault();
    save(row.querySelector("form"), button.value);
    moveTo(visible[at + 1] || row, 0);
  });

  // The search filters as one types; the form still works as a search without JavaScript.
  const search = document.getElementById("register-search");
  const shown = document.getElementById("register-shown");
  if (search) {
    const all = Array.from(table.querySelectorAll("tbody tr"));
    const filter = () => {
      const words = search.value.toLocaleLowerCase("nb").split(/\s+/).filter(Boolean);
      let count = 0;
      for (const row of all) {
        const name = row.dataset.name || "";
        row.hidden = !words.every((word) => name.includes(word));
        if (!row.hidden) count += 1;
      }
      if (shown) {
        shown.textContent = words.length
          ? text("shown").replace("{num}", String(count)).replace("{all}", String(all.length))
          : "";
      }
    };
    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        filter();
        moveTo(rows()[0], 0);
      }
    });
  }
});

// Drafts of reflections, kept in the browser while they are written, so that a closed tab,
// a reload or a lost sign-in does not lose the text. Without this file the form works as
// before; the server keeps the text itself when a save cannot be accepted.
//
// - Each answer is kept under the person's id, the module and the question
//   (data-draft on the form, data-draft-name on the textarea): two people on one computer
//   never see each other's drafts.
// - A draft is kept only while it differs from what the page came with.
// - On a page showing what is saved (data-draft-saved), a draft with the same text is
//   done with and removed; a draft older than the saved answer is removed too, since the
//   saved one is newer. Any other draft is put back with a note saying so, and a button
//   that discards it and brings back what the page came with.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-draft]");
  const note = document.getElementById("draft-note");
  if (!form || !note) return;
  let storage;
  try {
    storage = window.localStorage;
  } catch (error) {
    return; // storage turned off: nothing to keep drafts in
  }
  const prefix = `draft:reflection:${form.dataset.draft}:`;
  const same = (a, b) => a.trim() === b.trim();

  const read = (key) => {
    try {
      const draft = JSON.parse(storage.getItem(key));
      return draft && typeof draft.text === "string" ? draft : null;
    } catch (error) {
      return null;
    }
  };
  const write = (key, text) => {
    try {
      storage.setItem(key, JSON.stringify({ text: text, at: Date.now() }));
    } catch (error) {
      // Storage full or refused: the text is still in the form.
    }
  };
  const remove = (key) => {
    try {
      storage.removeItem(key);
    } catch (error) {
      // Nothing to do: a draft left behind is only restored while it differs.
    }
  };

  // «03.02.2001 kl. 04.05» with the draft's own day and time, in the page's language.
  const when = (at) => {
    const moment = new Date(at);
    const two = (number) => String(number).padStart(2, "0");
    const parts = {
      2001: String(moment.getFullYear()),
      "02": two(moment.getMonth() + 1),
      "03": two(moment.getDate()),
      "04": two(moment.getHours()),
      "05": two(moment.getMinutes()),
    };
    return note.dataset.timeSample.replace(/2001|02|03|04|05/g, (token) => parts[token]);
  };

  const showNote = (textarea, key, draft) => {
    const shown = note.content.firstElementChild.cloneNode(true);
    const message = shown.querySelector("[data-draft-message]");
    message.textContent = message.textContent.replace("WHEN", when(draft.at));
    shown.querySelector("[data-draft-discard]").addEventListener("click", () => {
      textarea.value = textarea.defaultValue;
      remove(key);
      shown.remove();
      textarea.focus();
    });
    textarea.insertAdjacentElement("afterend", shown);
  };

  for (const textarea of form.querySelectorAll("textarea[data-draft-name]")) {
    const key = prefix + textarea.dataset.draftName;
    // A page that gives back text it could not save (data-draft-saved absent) shows text the
    // server does not have: that text is a draft itself.
    const showsSaved = textarea.hasAttribute("data-draft-saved");
    const draft = read(key);
    if (draft && !same(draft.text, textarea.value)) {
      const savedAt = Number(textarea.dataset.savedAt || 0);
      if (draft.text.trim() === "" || (showsSaved && savedAt >= draft.at)) {
        remove(key);
      } else {
        textarea.value = draft.text;
        showNote(textarea, key, draft);
      }
    } else if (draft && showsSaved) {
      remove(key); // saved: the draft is done with
    } else if (!draft && !showsSaved && textarea.value.trim() !== "") {
      write(key, textarea.value);
    }
    textarea.addEventListener("input", () => {
      if (showsSaved && same(textarea.value, textarea.defaultValue)) {
        remove(key);
      } else {
        write(key, textarea.value);
      }
    });
  }
});

// drafting — small progressive enhancements. Pages work without this file.
// Loaded as a file (never inline) so the Content-Security-Policy can forbid inline scripts.
"use strict";

(function () {
  document.documentElement.classList.add("js");

  // Markdown toolbar: wrap the selection in the textarea named by data-target.
  const wrappers = {
    bold: (s) => ["**", s || "bold text", "**"],
    italic: (s) => ["*", s || "italic text", "*"],
    link: (s) => ["[", s || "link text", "](https://)"],
  };

  function edit(textarea, action) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const value = textarea.value;
    const selected = value.slice(start, end);
    let before = value.slice(0, start);
    let after = value.slice(end);
    let insert;
    let caretStart;
    let caretEnd;
    if (action === "list") {
      const lines = (selected || "list item").split("\n").map((l) => (l.startsWith("- ") ? l : "- " + l));
      const prefix = before && !before.endsWith("\n") ? "\n" : "";
      insert = prefix + lines.join("\n");
      caretStart = before.length + prefix.length;
      caretEnd = before.length + insert.length;
    } else {
      const [open, middle, close] = wrappers[action](selected);
      insert = open + middle + close;
      caretStart = before.length + open.length;
      caretEnd = caretStart + middle.length;
    }
    textarea.value = before + insert + after;
    textarea.focus();
    textarea.setSelectionRange(caretStart, caretEnd);
    // Let the live preview (htmx, triggered on input) catch up.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Footnotes: the marker goes where the cursor is, and the note is written there and
  // then, in a small field under the toolbar; the note itself is stored at the end of
  // the text (Markdown's footnote definitions), so no placeholder is ever left behind.
  function addFootnote(textarea, at, note) {
    const value = textarea.value;
    // A cursor among the notes at the end means the end of the text, not inside a note.
    const notes = value.search(/(^|\n)\[\^\d+\]:/);
    if (notes >= 0 && at > notes) at = value.slice(0, notes).replace(/\s+$/, "").length;
    const used = (value.match(/\[\^(\d+)\]/g) || []).map((m) => parseInt(m.slice(2), 10));
    const n = used.length ? Math.max(...used) + 1 : 1;
    const marker = "[^" + n + "]";
    const before = value.slice(0, at);
    const after = value.slice(at);
    const tail = after.replace(/\s+$/, "");
    const definition = "[^" + n + "]: " + note.trim().replace(/\n+/g, " ");
    textarea.value = before + marker + tail + "\n\n" + definition;
    textarea.focus();
    const caret = before.length + marker.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function askFootnote(toolbar, textarea) {
    const at = textarea.selectionEnd;
    let prompt = toolbar.nextElementSibling;
    if (!prompt || !prompt.classList.contains("footnote-prompt")) {
      prompt = document.createElement("div");
      prompt.className = "footnote-prompt";
      prompt.setAttribute("role", "group");
      prompt.setAttribute("aria-label", "New footnote");
      const label = document.createElement("label");
      label.textContent = "Footnote text ";
      const input = document.createElement("input");
      input.type = "text";
      input.name = "footnote-text";
      input.setAttribute("aria-describedby", textarea.id + "-footnote-help");
      label.appendChild(input);
      const insert = document.createElement("button");
      insert.type = "button";
      insert.textContent = "Insert footnote";
      insert.dataset.footnote = "insert";
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Cancel";
      cancel.dataset.footnote = "cancel";
      const help = document.createElement("span");
      help.id = textarea.id + "-footnote-help";
      help.className = "muted small";
      help.textContent = "The number goes where the cursor was; Enter inserts, Escape cancels.";
      prompt.append(label, insert, cancel, help);
      toolbar.after(prompt);
    }
    prompt.dataset.at = String(at);
    prompt.hidden = false;
    const input = prompt.querySelector("input");
    input.value = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);
    input.focus();
  }

  function closeFootnote(prompt, textarea, insert) {
    const input = prompt.querySelector("input");
    if (insert) {
      if (!input.value.trim()) {
        input.focus();
        return;
      }
      addFootnote(textarea, parseInt(prompt.dataset.at, 10), input.value);
    } else {
      textarea.focus();
    }
    input.value = "";
    prompt.hidden = true;
  }

  function textareaOf(element) {
    const toolbar = element.closest(".md-toolbar") ||
      (element.closest(".footnote-prompt") || {}).previousElementSibling;
    return toolbar && toolbar.dataset && document.getElementById(toolbar.dataset.target);
  }

  document.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-footnote]");
    if (choice) {
      const textarea = textareaOf(choice);
      if (textarea) closeFootnote(choice.closest(".footnote-prompt"), textarea, choice.dataset.footnote === "insert");
      return;
    }
    const button = event.target.closest("[data-md]");
    if (!button) return;
    const toolbar = button.closest("[data-target]");
    const textarea = toolbar && document.getElementById(toolbar.dataset.target);
    if (textarea) {
      event.preventDefault();
      if (button.dataset.md === "footnote") askFootnote(toolbar, textarea);
      else edit(textarea, button.dataset.md);
    }
  });

  document.addEventListener("keydown", (event) => {
    const prompt = event.target.closest && event.target.closest(".footnote-prompt");
    if (!prompt || !(event.target instanceof HTMLInputElement)) return;
    if (event.key === "Enter" || event.key === "Escape") {
      event.preventDefault();  // Enter must not submit the practice's form
      const textarea = textareaOf(event.target);
      if (textarea) closeFootnote(prompt, textarea, event.key === "Enter");
    }
  });

  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.dataset.editor) return;
    if ((event.ctrlKey || event.metaKey) && (event.key === "b" || event.key === "i")) {
      event.preventDefault();
      edit(textarea, event.key === "b" ? "bold" : "italic");
    }
  });

  // When an editor is swapped in, put the cursor in its heading.
  document.addEventListener("htmx:afterSwap", (event) => {
    const heading = event.target.querySelector && event.target.querySelector(".editor-form input[type=text]");
    if (heading && !event.target.querySelector(".conflict")) heading.focus();
  });
})();

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
    } else if (action === "footnote") {
      const used = (value.match(/\[\^(\d+)\]:/g) || []).map((m) => parseInt(m.slice(2), 10));
      const n = used.length ? Math.max(...used) + 1 : 1;
      insert = selected + "[^" + n + "]";
      after = after + (after.endsWith("\n") || !after ? "" : "") + "\n\n[^" + n + "]: Footnote text.";
      caretStart = before.length + insert.length;
      caretEnd = caretStart;
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

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-md]");
    if (!button) return;
    const toolbar = button.closest("[data-target]");
    const textarea = toolbar && document.getElementById(toolbar.dataset.target);
    if (textarea) {
      event.preventDefault();
      edit(textarea, button.dataset.md);
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

// drafting — small progressive enhancements. Pages work without this file.
// Loaded as a file (never inline) so the Content-Security-Policy can forbid inline scripts.
"use strict";

(function () {
  document.documentElement.classList.add("js");

  // ---- The Markdown editor: toolbar, keyboard shortcuts, lists that continue, paste ----
  // Every change goes through replaceRange(), which types the text as the browser would
  // (execCommand "insertText"), so Ctrl+Z undoes a toolbar step and the live preview,
  // triggered by the input event, catches up.

  function replaceRange(textarea, start, end, text, selStart = text.length, selEnd = selStart) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    const expected = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    if (start !== end || text) {
      try {
        document.execCommand(text ? "insertText" : "delete", false, text);
      } catch (e) {
        // an old browser: the fallback below sets the text
      }
    }
    if (textarea.value !== expected) {
      textarea.value = expected;  // the same text, without an undo step
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    textarea.setSelectionRange(start + selStart, start + selEnd);
  }

  // Bold and italics: wrap the selection, or unwrap it when it is already wrapped
  // (markers inside the selection or just around it). "***x***" is both.
  const EMPHASIS = { bold: { marker: "**", placeholder: "bold text" }, italic: { marker: "*", placeholder: "italic text" } };

  function stars(text, fromEnd) {
    const m = fromEnd ? text.match(/\*+$/) : text.match(/^\*+/);
    return m ? m[0].length : 0;
  }

  function hasEmphasis(lead, trail, kind) {
    if (kind === "bold") return lead >= 2 && trail >= 2;
    return lead % 2 === 1 && trail % 2 === 1;
  }

  // The part of a line that carries its words: after a list marker or "(a) ".
  const LINE_MARKER = /^(\s*(?:[-+*]\s+|\d+[.)]\s+|\([a-z]+\)\s+|\([ivxlc]+\)\s+)?)/i;

  function toggleEmphasis(textarea, kind) {
    const { marker, placeholder } = EMPHASIS[kind];
    const width = marker.length;
    const value = textarea.value;
    let start = textarea.selectionStart;
    let end = textarea.selectionEnd;
    // Spaces selected with a word (a double click selects the space after it) stay outside
    // the markers: "**word **" would not be bold.
    while (start < end && /\s/.test(value[start])) start++;
    while (end > start && /\s/.test(value[end - 1])) end--;
    const selected = value.slice(start, end);
    if (!selected) {
      replaceRange(textarea, start, end, marker + placeholder + marker, width, width + placeholder.length);
      return;
    }
    const wrapped = (s) => s.length > 2 * width && hasEmphasis(stars(s), stars(s, true), kind);
    if (!selected.includes("\n")) {
      if (wrapped(selected)) {  // markers inside the selection
        const inner = selected.slice(width, selected.length - width);
        replaceRange(textarea, start, end, inner, 0, inner.length);
      } else if (hasEmphasis(stars(value.slice(0, start), true), stars(value.slice(end)), kind)) {
        replaceRange(textarea, start - width, end + width, selected, 0, selected.length);  // just around it
      } else {
        replaceRange(textarea, start, end, marker + selected + marker, width, width + selected.length);
      }
      return;
    }
    // Several lines: each line's words are wrapped on their own (emphasis cannot span
    // paragraphs), after any list marker; a second click unwraps them all.
    const parts = selected.split("\n").map((line) => {
      const lead = line.match(LINE_MARKER)[1];
      return [lead, line.slice(lead.length)];
    });
    const words = parts.filter(([, rest]) => rest.trim());
    const unwrap = words.length > 0 && words.every(([, rest]) => wrapped(rest));
    const result = parts
      .map(([lead, rest]) => {
        if (!rest.trim()) return lead + rest;
        return lead + (unwrap ? rest.slice(width, rest.length - width) : marker + rest + marker);
      })
      .join("\n");
    replaceRange(textarea, start, end, result, 0, result.length);
  }

  // Lists work on whole lines: bullets "- ", numbers "1. ", and sub-items "(a) ", which the
  // text format writes as paragraphs of their own (a blank line between them). Applying the
  // kind a block already has removes it, leaving one paragraph per former item.
  const LIST_KINDS = {
    bullet: { test: /^\s*[-+*]\s+/, make: () => "- ", joiner: "\n", placeholder: "list item" },
    numbered: { test: /^\s*\d+[.)]\s+/, make: (i) => i + 1 + ". ", joiner: "\n", placeholder: "first item" },
    lettered: { test: /^\s*\([a-z]+\)\s+/, make: (i) => "(" + letter(i) + ") ", joiner: "\n\n", placeholder: "first sub-item" },
  };
  const ANY_LIST = /^\s*(?:[-+*]|\d+[.)]|\([a-z]+\))\s+/;

  function letter(i) {
    // a … z, then aa, bb … as legal texts do
    return String.fromCharCode(97 + (i % 26)).repeat(Math.floor(i / 26) + 1);
  }

  function lineAt(value, index) {
    const from = value.lastIndexOf("\n", index - 1) + 1;
    const to = value.indexOf("\n", index);
    return [from, to === -1 ? value.length : to];
  }

  // The line breaks a block needs to stand apart from its neighbour (the text before or
  // after it): none more next to an item of the same tight list, a blank line otherwise.
  function spacing(text, before, tight) {
    if (!text.trim()) return "";
    const newlines = (before ? text.match(/\n*$/) : text.match(/^\n*/))[0].length;
    const lines = text.trim().split("\n");
    const neighbour = before ? lines[lines.length - 1] : lines[0];
    const joined = tight && newlines === 1 && ANY_LIST.test(neighbour) && !LIST_KINDS.lettered.test.test(neighbour);
    return "\n".repeat(Math.max(0, (joined ? 1 : 2) - newlines));
  }

  function toggleList(textarea, kind) {
    const spec = LIST_KINDS[kind];
    const value = textarea.value;
    let last = textarea.selectionEnd;
    if (last > textarea.selectionStart && value[last - 1] === "\n") last--;  // a selection ending at a line start
    const start = lineAt(value, textarea.selectionStart)[0];
    const end = lineAt(value, last)[1];
    const filled = value.slice(start, end).split("\n").filter((line) => line.trim());
    const already = filled.length > 0 && filled.every((line) => spec.test.test(line));
    const items = filled.map((line) => line.replace(ANY_LIST, ""));
    const tight = spec.joiner === "\n";
    if (already) {
      const text = items.join("\n\n");
      replaceRange(textarea, start, end, text, 0, text.length);
      return;
    }
    const body = (items.length ? items : [spec.placeholder]).map((item, i) => spec.make(i) + item).join(spec.joiner);
    const lead = spacing(value.slice(0, start), true, tight);
    const tail = spacing(value.slice(end), false, tight);
    if (items.length) {
      replaceRange(textarea, start, end, lead + body + tail, lead.length, lead.length + body.length);
    } else {
      const at = lead.length + spec.make(0).length;
      replaceRange(textarea, start, end, lead + body + tail, at, at + spec.placeholder.length);
    }
  }

  // Enter at the end of a list line starts the next item: "- " after a bullet, "2. " after
  // "1.", "(b) " after "(a)" (and "(ii)" after "(i)"); Enter on an empty item ends the list.
  const ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"];

  function previousSubItem(value, lineStart) {
    // The "(x)" label of the sub-item paragraph before this one, if any.
    const before = value.slice(0, lineStart).replace(/\s+$/, "");
    const line = before.slice(before.lastIndexOf("\n") + 1);
    const m = line.match(/^\s*\(([a-z]+)\)\s/i);
    return m ? m[1] : null;
  }

  function nextLabel(label, previous) {
    const lower = label.toLowerCase();
    const upper = label !== lower;
    let next;
    const romanIndex = ROMAN.indexOf(lower);
    const letterBefore = lower.length === 1 && previous && previous.toLowerCase() === String.fromCharCode(lower.charCodeAt(0) - 1);
    if (romanIndex >= 0 && romanIndex + 1 < ROMAN.length && !letterBefore && (lower.length > 1 || lower === "i" || (previous && ROMAN.includes(previous.toLowerCase())))) {
      next = ROMAN[romanIndex + 1];
    } else if (/^([a-z])\1*$/.test(lower)) {
      const c = lower[0];
      next = c === "z" ? "a".repeat(lower.length + 1) : String.fromCharCode(c.charCodeAt(0) + 1).repeat(lower.length);
    } else {
      return null;
    }
    return upper ? next.toUpperCase() : next;
  }

  function continueList(textarea) {
    const value = textarea.value;
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return false;
    const lineEnd = value.indexOf("\n", caret);
    if (lineEnd !== -1 && value.slice(caret, lineEnd).trim()) return false;  // only at the end of a line
    if (lineEnd === -1 && value.slice(caret).trim()) return false;
    const lineStart = value.lastIndexOf("\n", caret - 1) + 1;
    const line = value.slice(lineStart, caret);
    let m;
    let next;
    let joiner = "\n";
    if ((m = line.match(/^(\s*)([-+*])(\s+)/))) {
      next = m[1] + m[2] + m[3];
    } else if ((m = line.match(/^(\s*)(\d+)([.)])(\s+)/))) {
      next = m[1] + (parseInt(m[2], 10) + 1) + m[3] + m[4];
    } else if ((m = line.match(/^(\s*)\(([a-z]+)\)(\s+)/i))) {
      const label = nextLabel(m[2], previousSubItem(value, lineStart));
      if (!label) return false;
      next = m[1] + "(" + label + ")" + m[3];
      joiner = "\n\n";
    } else {
      return false;
    }
    if (!line.slice(m[0].length).trim()) {
      // An empty item: Enter ends the list, leaving an empty line to write on.
      replaceRange(textarea, lineStart, caret, "");
      return true;
    }
    replaceRange(textarea, caret, caret, joiner + next);
    return true;
  }

  // Links: the address is asked for in a small field under the toolbar (as for footnotes);
  // the selection becomes the link's words, or the address itself when nothing is selected.
  function linkAddress(raw) {
    let address = raw.trim();
    if (!address) return "";
    if (!/^[a-z][a-z0-9+.-]*:/i.test(address)) {
      address = /^[^\s/]+@[^\s/]+\.[^\s/]+$/.test(address) ? "mailto:" + address : "https://" + address.replace(/^\/+/, "");
    }
    return address.replace(/ /g, "%20").replace(/\(/g, "%28").replace(/\)/g, "%29");
  }

  function addLink(textarea, start, end, raw) {
    const address = linkAddress(raw);
    if (!address) return;
    const selected = textarea.value.slice(start, end).trim();
    const words = selected || raw.trim();
    const text = "[" + words + "](" + address + ")";
    replaceRange(textarea, start, end, text, 1, 1 + words.length);
  }

  function unlink(textarea) {
    // A selection that is a whole link: the link goes, its words stay.
    const selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);
    const m = selected.match(/^\[([^\]]*)\]\([^)]*\)$/);
    if (!m) return false;
    replaceRange(textarea, textarea.selectionStart, textarea.selectionEnd, m[1], 0, m[1].length);
    return true;
  }

  // Tables: a two-column table with a header row, on lines of its own.
  function addTable(textarea) {
    const value = textarea.value;
    let at = textarea.selectionEnd;
    const lineEnd = value.indexOf("\n", at);
    at = lineEnd === -1 ? value.length : lineEnd;  // after the line the cursor is on
    const before = value.slice(0, at);
    const after = value.slice(at);
    const lead = before.trim() ? (before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n") : "";
    const tail = after.trim() ? (after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n") : "";
    const table = "| Column 1 | Column 2 |\n| --- | --- |\n| Text | Text |\n| Text | Text |";
    replaceRange(textarea, at, at, lead + table + tail, lead.length + 2, lead.length + 2 + "Column 1".length);
  }

  function edit(textarea, action) {
    if (action === "bold" || action === "italic") toggleEmphasis(textarea, action);
    else if (action in LIST_KINDS) toggleList(textarea, action);
    else if (action === "table") addTable(textarea);
  }

  // ---- Paste from Word or a web page ----
  // HTML on the clipboard is turned into the text format by turndown (vendored, see
  // vendor/turndown-*.js) after Word's own markup is tidied: its list paragraphs
  // ("MsoListParagraph", the bullet or number typed in a span Word asks others to ignore)
  // become real lists, "(a)" items become sub-item paragraphs, headings become bold
  // paragraphs, and images, styles and Office tags go. Plain text pastes as it always did.

  const BULLET_MARKERS = /^[·•o§▪■□◦‣⁃–—\-*Øüv\uf0a7\uf0b7\uf0d8\uf0fc\uf076]$/;

  function textOf(node) {
    return (node.textContent || "").replace(/\u00a0/g, " ").replace(/\s+/g, " ").trim();
  }

  // One Word list paragraph -> {level, kind: "ul"|"ol"|"sub", start, label}, its typed
  // marker removed; null for any other paragraph.
  function wordListItem(p) {
    const style = p.getAttribute("style") || "";
    const listStyle = style.match(/mso-list:\s*([^;"']+)/i);
    const listed = listStyle && !/ignore/i.test(listStyle[1]);
    if (!listed && !/^MsoListParagraph/i.test(p.className || "")) return null;
    const levelMatch = listed && listStyle[1].match(/level(\d+)/i);
    const level = levelMatch ? parseInt(levelMatch[1], 10) : 1;
    let marker = null;
    const ignored = Array.from(p.querySelectorAll("span")).find((s) => /mso-list:\s*ignore/i.test(s.getAttribute("style") || ""));
    if (ignored) {
      marker = textOf(ignored);
      // The marker may sit in outer spans that hold nothing else (the Symbol font's span).
      let node = ignored;
      while (node.parentElement && node.parentElement !== p && textOf(node.parentElement) === textOf(node)) node = node.parentElement;
      node.remove();
    } else {
      // No marker span: a marker typed at the start of the paragraph's text.
      const first = p.firstChild && p.firstChild.nodeType === Node.TEXT_NODE ? p.firstChild : null;
      const m = first && first.data.replace(/\u00a0/g, " ").match(/^\s*([·•o§▪\-–]|\d+[.)]|\(?[a-z]{1,5}[.)])\s+/i);
      if (m) {
        marker = m[1];
        first.data = first.data.replace(/\u00a0/g, " ").slice(m[0].length);
      }
    }
    if (marker === null && !listed) return null;  // an indented paragraph, not a list item
    let m;
    if ((m = (marker || "").match(/^(\d+)[.)]$/))) return { level, kind: "ol", start: parseInt(m[1], 10) };
    if ((m = (marker || "").match(/^\(?([a-z]{1,5})[.)]$/i))) return { level, kind: "sub", label: m[1].toLowerCase() };
    return { level, kind: "ul" };  // "·", "o", "§", a Wingdings glyph, or no marker at all
  }

  // Runs of Word list paragraphs (siblings, whatever comments lie between) become nested
  // <ul>/<ol> for turndown's list rules; "(a)" items become paragraphs starting "(a) ".
  function wordLists(root) {
    const doc = root.ownerDocument;
    const runs = [];
    let run = null;
    let previous = null;
    for (const p of Array.from(root.querySelectorAll("p"))) {
      const item = wordListItem(p);
      if (!item) {
        previous = null;
        continue;
      }
      if (!run || p.previousElementSibling !== previous) {
        run = [];
        runs.push(run);
      }
      run.push([p, item]);
      previous = p;
    }
    for (const items of runs) {
      let stack = [];  // open lists, outermost first: {level, list}
      for (const [p, item] of items) {
        if (item.kind === "sub") {
          stack = [];
          const para = doc.createElement("p");
          para.append("(" + item.label + ") ", ...Array.from(p.childNodes));
          p.replaceWith(para);
          continue;
        }
        while (stack.length) {
          const top = stack[stack.length - 1];
          if (top.level > item.level || (top.level === item.level && top.list.nodeName.toLowerCase() !== item.kind)) stack.pop();
          else break;
        }
        let top = stack[stack.length - 1];
        if (!top || top.level < item.level) {
          const list = doc.createElement(item.kind);
          if (item.kind === "ol" && item.start && item.start !== 1) list.setAttribute("start", String(item.start));
          if (top && top.list.lastElementChild) top.list.lastElementChild.append(list);
          else p.before(list);
          top = { level: item.level, list };
          stack.push(top);
        }
        const li = doc.createElement("li");
        li.append(...Array.from(p.childNodes));
        top.list.append(li);
        p.remove();
      }
    }
  }

  let turndownService = null;

  function markdownService() {
    if (turndownService || typeof window.TurndownService !== "function") return turndownService;
    const service = new window.TurndownService({
      headingStyle: "atx",
      bulletListMarker: "-",
      emDelimiter: "*",
      strongDelimiter: "**",
      codeBlockStyle: "fenced",
    });
    // Images, styles, scripts, form controls and Office's own tags go, with what they hold
    // (a rule, not service.remove(): turndown's image rule would come first).
    service.addRule("dropped", {
      filter: ["head", "style", "script", "meta", "link", "title", "xml", "img", "svg", "picture", "video", "audio", "iframe", "object", "form", "input", "button", "select", "textarea", "o:p", "v:shape", "v:imagedata"],
      replacement: () => "",
    });
    // The text format has no headings inside a practice: a heading becomes a bold paragraph.
    service.addRule("headingAsBold", {
      filter: (node) => /^H[1-6]$/.test(node.nodeName) || /^Mso(Title|Subtitle|Heading)/i.test(node.className || ""),
      replacement: (content) => {
        const words = content.replace(/\*\*/g, "").trim();
        return words ? "\n\n**" + words + "**\n\n" : "";
      },
    });
    // Lists written as the text format writes them: "- item", "1. item", nested by indent.
    service.addRule("listItem", {
      filter: "li",
      replacement: (content, node) => {
        let prefix = "- ";
        const parent = node.parentNode;
        if (parent.nodeName === "OL") {
          const start = parseInt(parent.getAttribute("start") || "1", 10);
          prefix = start + Array.prototype.indexOf.call(parent.children, node) + ". ";
        }
        const text = content.replace(/^\n+/, "").replace(/\n+$/, "\n").replace(/\n(?!$)/g, "\n" + " ".repeat(prefix.length));
        return prefix + text + (node.nextSibling && !/\n$/.test(text) ? "\n" : "");
      },
    });
    // Google Docs wraps a whole paste in <b style="font-weight:normal">; styles that say
    // bold or italic (Google Docs, web pages) count as <b> and <i>.
    service.addRule("styledRuns", {
      filter: (node) => {
        if (node.nodeName !== "SPAN" && node.nodeName !== "B") return false;
        return /font-weight|font-style/i.test(node.getAttribute("style") || "");
      },
      replacement: (content, node) => {
        const style = node.getAttribute("style") || "";
        if (!content.trim()) return content;
        const weight = style.match(/font-weight:\s*(\w+)/i);
        const bold = weight ? /bold|[6-9]00/i.test(weight[1]) : node.nodeName === "B";
        const italic = /font-style:\s*italic/i.test(style);
        const marker = (bold ? "**" : "") + (italic ? "*" : "");
        if (!marker) return content;
        const m = content.match(/^(\s*)([\s\S]*?)(\s*)$/);
        return m[1] + marker + m[2] + marker.split("").reverse().join("") + m[3];
      },
    });
    // Links keep their web or e-mail address; Word's internal ones (contents, bookmarks) go.
    service.addRule("onlyWebLinks", {
      filter: (node) => node.nodeName === "A" && !/^(https?:|mailto:)/i.test(node.getAttribute("href") || ""),
      replacement: (content) => content,
    });
    // Tables as pipe tables: the first row is the header row.
    service.addRule("tableCell", {
      filter: ["td", "th"],
      replacement: (content) => " " + content.replace(/\s*\n+\s*/g, " ").replace(/\|/g, "\\|").trim() + " |",
    });
    service.addRule("tableRow", {
      filter: "tr",
      replacement: (content, node) => {
        let row = "\n|" + content;
        const table = node.closest("table");
        if (table && table.querySelector("tr") === node) {
          row += "\n|" + " --- |".repeat(node.children.length);
        }
        return row;
      },
    });
    service.addRule("table", {
      filter: "table",
      replacement: (content) => "\n\n" + content.replace(/^\n+/, "") + "\n\n",
    });
    service.addRule("tableParts", { filter: ["thead", "tbody", "tfoot", "caption", "colgroup", "col"], replacement: (content) => content });
    // Preformatted text has no place in a practice: its lines become a paragraph.
    service.addRule("preformatted", { filter: "pre", replacement: (content) => "\n\n" + content.trim() + "\n\n" });
    turndownService = service;
    return service;
  }

  // Footnotes in what was copied (Word's, LibreOffice's, this application's own pages):
  // a reference links to its note and the note links back to it. Each reference becomes a
  // placeholder that turndown's escaping leaves alone; the note's words are returned, to be
  // numbered after the text's own notes and written at its end.
  const NOTE_OPEN = "\ue000";
  const NOTE_CLOSE = "\ue001";

  function pastedFootnotes(root, service) {
    const named = new Map();
    root.querySelectorAll("[id], a[name]").forEach((e) => {
      if (e.id) named.set(e.id, e);
      if (e.getAttribute("name")) named.set(e.getAttribute("name"), e);
    });
    const notes = [];
    for (const ref of Array.from(root.querySelectorAll('a[href^="#"]'))) {
      if (!ref.isConnected) continue;  // a note's own link back, already taken with its note
      const refName = ref.getAttribute("name") || ref.id || (ref.parentElement && ref.parentElement.id) || "";
      const anchor = named.get(ref.getAttribute("href").slice(1));
      if (!refName || !anchor || !anchor.isConnected || anchor.contains(ref) || ref.contains(anchor)) continue;
      const backSelector = 'a[href="#' + CSS.escape(refName) + '"]';
      const back = anchor.matches(backSelector) ? anchor : anchor.querySelector(backSelector);
      if (!back) continue;  // an ordinary link within the page
      const note = anchor !== back ? anchor
        : back.closest('div[style*="mso-element:footnote"], div[style*="mso-element:endnote"], div[id^="sdfootnote"], div[id^="sdendnote"], li') || back.closest("p") || back;
      back.remove();
      const words = service.turndown(note).replace(/\s*\n+\s*/g, " ").trim();
      const holder = ref.parentElement && ref.parentElement.nodeName === "SUP" && textOf(ref.parentElement) === textOf(ref) ? ref.parentElement : ref;
      holder.replaceWith(root.ownerDocument.createTextNode(NOTE_OPEN + notes.length + NOTE_CLOSE));
      note.remove();
      notes.push(words);
    }
    // The notes' containers go once emptied (Word's footnote list with its rule, a page's
    // footnotes section).
    root.querySelectorAll('div[style*="mso-element:footnote-list"], div[style*="mso-element:endnote-list"], section.footnotes, hr.footnotes-sep').forEach((e) => {
      if (!textOf(e)) e.remove();
    });
    return notes;
  }

  // HTML -> {markdown, notes}, or null when turndown is not there (plain paste then).
  function htmlToMarkdown(html) {
    const service = markdownService();
    if (!service) return null;
    const doc = new DOMParser().parseFromString(html, "text/html");
    const body = doc.body;
    if (!body) return null;
    const notes = pastedFootnotes(body, service);
    wordLists(body);
    const markdown = service.turndown(body)
      .replace(/[ \t]+$/gm, (spaces) => (spaces.length >= 2 ? spaces : ""))  // keep hard line breaks only
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    return { markdown, notes };
  }

  function pasteHtml(textarea, html) {
    const converted = htmlToMarkdown(html);
    if (converted === null) return false;
    const value = textarea.value;
    let start = textarea.selectionStart;
    let end = textarea.selectionEnd;
    const { notes } = converted;
    const used = (value.match(/\[\^(\d+)\]/g) || []).map((m) => parseInt(m.slice(2), 10));
    const first = used.length ? Math.max(...used) + 1 : 1;
    let text = converted.markdown.replace(new RegExp(NOTE_OPEN + "(\\d+)" + NOTE_CLOSE, "g"), (m, i) => "[^" + (first + parseInt(i, 10)) + "]");
    if (notes.length) {
      // Pasted among the text's own notes means at the end of the text, as for the button.
      const ownNotes = value.search(/(^|\n)\[\^\d+\]:/);
      if (ownNotes >= 0 && start > ownNotes) start = end = value.slice(0, ownNotes).replace(/\s+$/, "").length;
    }
    if (text.includes("\n")) {
      // Several blocks stand apart from the text around them.
      text = spacing(value.slice(0, start), true, false) + text + spacing(value.slice(end), false, false);
    }
    if (!notes.length) {
      replaceRange(textarea, start, end, text);
      return true;
    }
    const definitions = notes.map((words, i) => "[^" + (first + i) + "]: " + words).join("\n\n");
    const rest = value.slice(end).replace(/\s+$/, "");
    replaceRange(textarea, start, value.length, text + rest + "\n\n" + definitions, text.length);
    return true;
  }

  // ---- Small fields under the toolbar: a footnote's text, a link's address ----
  // Footnotes: the marker goes where the cursor is, and the note is written there and
  // then; the note itself is stored at the end of the text (Markdown's footnote
  // definitions), so no placeholder is ever left behind.
  function addFootnote(textarea, at, note) {
    const value = textarea.value;
    // A cursor among the notes at the end means the end of the text, not inside a note.
    const notes = value.search(/(^|\n)\[\^\d+\]:/);
    if (notes >= 0 && at > notes) at = value.slice(0, notes).replace(/\s+$/, "").length;
    const used = (value.match(/\[\^(\d+)\]/g) || []).map((m) => parseInt(m.slice(2), 10));
    const n = used.length ? Math.max(...used) + 1 : 1;
    const marker = "[^" + n + "]";
    const tail = value.slice(at).replace(/\s+$/, "");
    const definition = "[^" + n + "]: " + note.trim().replace(/\n+/g, " ");
    replaceRange(textarea, at, value.length, marker + tail + "\n\n" + definition, marker.length);
  }

  const PROMPTS = {
    footnote: {
      label: "Footnote text ",
      button: "Insert footnote",
      group: "New footnote",
      help: "The number goes where the cursor was; Enter inserts, Escape cancels.",
      initial: (textarea) => textarea.value.slice(textarea.selectionStart, textarea.selectionEnd),
      apply: (textarea, prompt, input) => addFootnote(textarea, parseInt(prompt.dataset.end, 10), input),
    },
    link: {
      label: "Link address ",
      button: "Insert link",
      group: "New link",
      help: "For example www.example.org; the selected words become the link. Enter inserts, Escape cancels.",
      initial: () => "",
      apply: (textarea, prompt, input) => addLink(textarea, parseInt(prompt.dataset.start, 10), parseInt(prompt.dataset.end, 10), input),
    },
  };

  function openPrompt(toolbar, textarea, kind) {
    const spec = PROMPTS[kind];
    const others = document.querySelectorAll('.md-prompt[data-target="' + textarea.id + '"]');
    others.forEach((other) => { other.hidden = true; });
    let prompt = document.querySelector('.md-prompt[data-target="' + textarea.id + '"][data-kind="' + kind + '"]');
    if (!prompt) {
      prompt = document.createElement("div");
      prompt.className = "md-prompt " + kind + "-prompt";
      prompt.dataset.target = textarea.id;
      prompt.dataset.kind = kind;
      prompt.setAttribute("role", "group");
      prompt.setAttribute("aria-label", spec.group);
      const label = document.createElement("label");
      label.textContent = spec.label;
      const input = document.createElement("input");
      input.type = "text";
      if (kind === "link") input.inputMode = "url";
      input.autocomplete = "off";
      input.setAttribute("aria-describedby", textarea.id + "-" + kind + "-help");
      label.appendChild(input);
      const insert = document.createElement("button");
      insert.type = "button";
      insert.textContent = spec.button;
      insert.dataset.prompt = "insert";
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Cancel";
      cancel.dataset.prompt = "cancel";
      const help = document.createElement("span");
      help.id = textarea.id + "-" + kind + "-help";
      help.className = "muted small";
      help.textContent = spec.help;
      prompt.append(label, insert, cancel, help);
      toolbar.after(prompt);
    }
    prompt.dataset.start = String(textarea.selectionStart);
    prompt.dataset.end = String(textarea.selectionEnd);
    prompt.hidden = false;
    const input = prompt.querySelector("input");
    input.value = spec.initial(textarea);
    input.focus();
  }

  function closePrompt(prompt, insert) {
    const textarea = document.getElementById(prompt.dataset.target);
    const input = prompt.querySelector("input");
    if (!textarea) return;
    if (insert) {
      if (!input.value.trim()) {
        input.focus();
        return;
      }
      PROMPTS[prompt.dataset.kind].apply(textarea, prompt, input.value);
    } else {
      textarea.focus();
      textarea.setSelectionRange(parseInt(prompt.dataset.start, 10), parseInt(prompt.dataset.end, 10));
    }
    input.value = "";
    prompt.hidden = true;
  }

  function toolbarFor(textarea) {
    return document.querySelector('.md-toolbar[data-target="' + textarea.id + '"]');
  }

  function run(textarea, action) {
    const toolbar = toolbarFor(textarea);
    if (action === "footnote" || action === "link") {
      if (action === "link" && unlink(textarea)) return;
      if (toolbar) openPrompt(toolbar, textarea, action);
      return;
    }
    edit(textarea, action);
  }

  document.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-prompt]");
    if (choice) {
      closePrompt(choice.closest(".md-prompt"), choice.dataset.prompt === "insert");
      return;
    }
    const button = event.target.closest("[data-md]");
    if (!button) return;
    const toolbar = button.closest("[data-target]");
    const textarea = toolbar && document.getElementById(toolbar.dataset.target);
    if (textarea) {
      event.preventDefault();
      run(textarea, button.dataset.md);
    }
  });

  document.addEventListener("keydown", (event) => {
    const prompt = event.target.closest && event.target.closest(".md-prompt");
    if (!prompt || !(event.target instanceof HTMLInputElement)) return;
    if (event.key === "Enter" || event.key === "Escape") {
      event.preventDefault();  // Enter must not submit the practice's form
      closePrompt(prompt, event.key === "Enter");
    }
  });

  // The toolbar is one stop for Tab; the arrow keys, Home and End move along it (the
  // ARIA toolbar pattern), and Enter or Space presses the button as usual.
  document.addEventListener("keydown", (event) => {
    const toolbar = event.target.closest && event.target.closest(".md-toolbar");
    if (!toolbar || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const buttons = Array.from(toolbar.querySelectorAll("button"));
    let i = buttons.indexOf(event.target);
    if (i < 0) return;
    if (event.key === "ArrowLeft") i = (i - 1 + buttons.length) % buttons.length;
    else if (event.key === "ArrowRight") i = (i + 1) % buttons.length;
    else i = event.key === "Home" ? 0 : buttons.length - 1;
    event.preventDefault();
    buttons[i].focus();
  });

  document.addEventListener("focusin", (event) => {
    const toolbar = event.target.closest && event.target.closest(".md-toolbar");
    if (!toolbar || !(event.target instanceof HTMLButtonElement)) return;
    toolbar.querySelectorAll("button").forEach((b) => { b.tabIndex = b === event.target ? 0 : -1; });
  });

  // Shortcuts, as in word processors: Ctrl (⌘ on a Mac) with B, I, K; Ctrl+Shift+8 / 7 / 9
  // for bullets, numbers and (a) items; Ctrl+Alt+F for a footnote. Enter continues a list.
  const SHIFTED = { Digit8: "bullet", Digit7: "numbered", Digit9: "lettered" };
  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.dataset.editor || event.isComposing) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = (event.key || "").toLowerCase();
    let action = null;
    if (mod && !event.shiftKey && !event.altKey) action = { b: "bold", i: "italic", k: "link" }[key] || null;
    else if (mod && event.shiftKey && !event.altKey) action = SHIFTED[event.code] || null;
    else if (mod && event.altKey && !event.shiftKey && event.code === "KeyF") action = "footnote";
    else if (event.key === "Enter" && !mod && !event.shiftKey && !event.altKey && continueList(textarea)) {
      event.preventDefault();
      return;
    }
    if (action) {
      event.preventDefault();
      run(textarea, action);
    }
  });

  document.addEventListener("paste", (event) => {
    const textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.dataset.editor || !event.clipboardData) return;
    const html = event.clipboardData.getData("text/html");
    if (!html || !html.trim()) return;  // plain text pastes as plain text
    try {
      if (pasteHtml(textarea, html)) event.preventDefault();
    } catch (error) {
      // Whatever the page held, the words still arrive: the browser's own plain paste.
      console.warn("Pasting as plain text:", error);
    }
  });

  // Shortcut hints say ⌘ on a Mac.
  function macHints(root) {
    if (!/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "")) return;
    root.querySelectorAll(".md-toolbar [title]").forEach((button) => {
      button.title = button.title.replace(/Ctrl\+Alt\+/g, "⌥⌘").replace(/Ctrl\+Shift\+/g, "⇧⌘").replace(/Ctrl\+/g, "⌘");
    });
  }
  document.addEventListener("DOMContentLoaded", () => macHints(document));
  document.addEventListener("htmx:load", (event) => macHints(event.target));

  // When an editor is swapped in, put the cursor in its heading.
  document.addEventListener("htmx:afterSwap", (event) => {
    const heading = event.target.querySelector && event.target.querySelector(".editor-form input[type=text]");
    if (heading && !event.target.querySelector(".conflict")) heading.focus();
  });
})();

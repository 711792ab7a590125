// drafting — no typed text is lost to the session's idle timeout.
//
// 1. While someone types in a form, ask the server (at most every few minutes) to
//    keep the session alive: typing counts as activity. The server still ends a
//    session at its absolute limit.
// 2. If the session has ended, say so without leaving the page, and pick up the
//    new form token once the person has logged in again in another tab.
// 3. After logging in again, put back the text of a submission that arrived too
//    late (the banner from templates/drafting/partials/kept_text.html). Never
//    resubmit it: the person checks it and submits.
//
// Loaded as a file (never inline) so the Content-Security-Policy can forbid inline scripts.
"use strict";

(function () {
  const body = document.body;
  const USER_ACTION_HEADER = "X-Drafting-User-Action"; // drafting/kept_text.py

  // htmx requests a person started (a click, a submit) may navigate to the log-in
  // page after the session ended; background ones (polling, previews) must not.
  document.addEventListener("htmx:configRequest", (event) => {
    const trigger = event.detail.triggeringEvent;
    if (trigger && (trigger.type === "submit" || trigger.type === "click")) {
      event.detail.headers[USER_ACTION_HEADER] = "1";
    }
  });

  // --- Putting kept text back --------------------------------------------------------------

  function pathOf(url) {
    try {
      return new URL(url, document.baseURI).pathname;
    } catch (error) {
      return null;
    }
  }

  function formsPostingTo(action) {
    return Array.from(document.forms).filter((form) => {
      const hxPost = form.getAttribute("hx-post");
      return pathOf(form.action) === action || (hxPost !== null && pathOf(hxPost) === action);
    });
  }

  function fieldsNamed(form, name) {
    return Array.from(form.elements).filter((element) => element.name === name);
  }

  // Several forms may post to one address (a comment form under each practice):
  // take the one whose fields, and hidden values, match what was sent.
  function bestForm(forms, fields) {
    let best = null;
    let bestScore = -Infinity;
    for (const form of forms) {
      let score = 0;
      for (const [name, values] of Object.entries(fields)) {
        const elements = fieldsNamed(form, name);
        score += elements.length ? 1 : -1;
        for (const element of elements) {
          if (element.type === "hidden") score += values.includes(element.value) ? 2 : -2;
        }
      }
      if (score > bestScore) {
        best = form;
        bestScore = score;
      }
    }
    return best;
  }

  function fill(form, fields) {
    let firstText = null;
    for (const [name, values] of Object.entries(fields)) {
      const elements = fieldsNamed(form, name);
      elements.forEach((element, index) => {
        if (["file", "submit", "button", "reset", "image"].includes(element.type)) return;
        if (element.type === "checkbox" || element.type === "radio") {
          element.checked = values.includes(element.value);
        } else if (element instanceof HTMLSelectElement) {
          for (const option of element.options) option.selected = values.includes(option.value);
        } else {
          // Hidden fields too: the revision the person's text was based on comes back
          // with it, so a stale text is caught when they submit again.
          element.value = values[elements.length > 1 ? index : 0] ?? "";
          if (!firstText && element.type !== "hidden") firstText = element;
        }
        // Let live previews and anything else listening catch up.
        element.dispatchEvent(new Event("input", { bubbles: true }));
        element.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    // A box nobody ticked is not sent at all: the person had cleared it.
    for (const element of form.elements) {
      if (!element.name || Object.prototype.hasOwnProperty.call(fields, element.name)) continue;
      if (element.type === "checkbox") element.checked = false;
      else if (element instanceof HTMLSelectElement && element.multiple) {
        for (const option of element.options) option.selected = false;
      }
    }
    return firstText;
  }

  function putBack(banner, form, fields) {
    const first = fill(form, fields);
    for (let d = form.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      d.open = true; // comment and reply forms are folded away
    }
    const status = banner.querySelector("[data-kept-status]");
    if (status) status.textContent = "It has been put back in the form below — check it and submit again.";
    const details = banner.querySelector("[data-kept-details]");
    if (details) details.open = false;
    form.classList.add("kept-form");
    (first || form).scrollIntoView({ block: "center" });
    if (first) first.focus({ preventScroll: true });
  }

  function restoreKeptText() {
    const banner = document.querySelector("[data-kept-fields]");
    if (!banner) return;
    let fields;
    try {
      fields = JSON.parse(banner.dataset.keptFields);
    } catch (error) {
      return; // the banner still shows the text to copy
    }
    const action = banner.dataset.keptAction;
    const form = bestForm(formsPostingTo(action), fields);
    if (form) {
      putBack(banner, form, fields);
      return;
    }
    // An in-place editor (htmx) opens on a click: open it, then fill it once it is there.
    const opener = Array.from(document.querySelectorAll("[hx-get]")).find(
      (element) => pathOf(element.getAttribute("hx-get")) === action
    );
    if (!opener) return;
    const onSettle = () => {
      const opened = bestForm(formsPostingTo(action), fields);
      if (!opened) return;
      document.removeEventListener("htmx:afterSettle", onSettle);
      putBack(banner, opened, fields);
    };
    document.addEventListener("htmx:afterSettle", onSettle);
    opener.click();
  }

  // Deferred scripts run before DOMContentLoaded, which is when htmx (loaded first)
  // sets up the page: clicking an in-place editor's button earlier would follow its link.
  if (document.readyState === "complete") {
    restoreKeptText();
  } else {
    document.addEventListener("DOMContentLoaded", restoreKeptText);
  }

  // --- Keeping the session alive while someone types ----------------------------------------

  const keepAliveUrl = body.dataset.keepAliveUrl;
  if (!keepAliveUrl) return; // not logged in when the page was made

  const idleMs = (Number(body.dataset.idleSeconds) || 3600) * 1000;
  // Often enough that typing always counts before the timeout; rarely enough to cost nothing.
  const everyMs = Math.min(5 * 60 * 1000, Math.max(10 * 1000, idleMs / 4));
  const retryMs = 5 * 1000; // once expired: how soon to look again
  let lastContact = Date.now(); // the server last saw this page then
  let lastTry = 0;
  let expired = false;
  let pending = false;
  let notice = null;

  function useToken(token) {
    // Logging in (again, in another tab) gives a new form token: every form on this
    // page takes it, or submitting would fail the CSRF check.
    if (!token) return;
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => {
      input.value = token;
    });
    try {
      const headers = JSON.parse(body.getAttribute("hx-headers") || "{}");
      headers["X-CSRFToken"] = token;
      body.setAttribute("hx-headers", JSON.stringify(headers));
    } catch (error) {
      // leave htmx's headers as they were
    }
  }

  function showNotice(parts) {
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "session-notice";
      notice.setAttribute("role", "alert");
      body.append(notice);
    }
    const text = document.createElement("p");
    text.append(...parts);
    notice.replaceChildren(text);
  }

  function sessionEnded() {
    if (expired) return;
    expired = true;
    const link = document.createElement("a");
    link.href = body.dataset.loginUrl || "/accounts/login/";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "log in again in a new tab";
    showNotice([
      "Your session has expired. Your text is still here: ",
      link,
      ", then come back to this tab and submit. If you submit first, nothing is saved " +
        "but your text is kept and put back in the form after you log in.",
    ]);
  }

  function sessionBack() {
    if (!expired) return;
    expired = false;
    showNotice(["You are logged in again. You can submit your form."]);
    const shown = notice;
    setTimeout(() => {
      if (notice === shown) {
        notice.remove();
        notice = null;
      }
    }, 8000);
  }

  function ping() {
    if (pending) return;
    pending = true;
    lastTry = Date.now();
    fetch(keepAliveUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then((response) => {
        if (response.status === 204) {
          lastContact = Date.now();
          useToken(response.headers.get("X-CSRFToken"));
          sessionBack();
        } else if ([401, 403].includes(response.status) || response.type === "opaqueredirect") {
          sessionEnded();
        }
      })
      .catch(() => {
        // Offline for a moment: the next keystroke tries again.
      })
      .finally(() => {
        pending = false;
      });
  }

  document.addEventListener("input", (event) => {
    if (!event.target || !event.target.form) return;
    const now = Date.now();
    if (expired ? now - lastTry >= retryMs : now - lastContact >= everyMs) ping();
  });

  // Back to this tab (perhaps after logging in in another one, or after a long sleep).
  function returned() {
    if (document.visibilityState !== "visible") return;
    if (expired || Date.now() - lastContact >= idleMs) ping();
  }
  window.addEventListener("focus", returned);
  document.addEventListener("visibilitychange", returned);

  // Every htmx request the server answered also restarted its idle clock; a 401 means
  // the session ended (drafting/middleware.py answers background requests so).
  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    if (!xhr) return;
    if (xhr.status === 401) sessionEnded();
    else if (xhr.status === 403) ping(); // perhaps a form token from before logging in again
    else if (xhr.status > 0 && xhr.status < 400) lastContact = Date.now();
  });
})();

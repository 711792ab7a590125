"""The document page's practices as rendered HTML, kept per process (issue 13).

The document page spent most of its time in the template engine, re-rendering
400 practices that had not changed since the last request. Each practice's
reading view (number, agreement badge, heading, body, reservations for the
record) is rendered once through ``drafting/partials/practice_reading.html``
and kept in a per-process, byte-bounded LRU (``text.Memo``).

Why per process, and why no invalidation is needed: the key holds everything
the markup depends on — practice id and revision, its number, the label, the
language, the number of its first footnote (footnotes run through the
document), the agreement status shown and the reservation notes — and the
text itself, so a change anywhere makes a new key and the old entry just ages
out. Any gunicorn worker, on any host, renders the new revision at once with no
message between processes. Django's cache (``CACHES["default"]``, a database
table) was measured slower here: one more query per page and unpickling 400
fragments cost more than rendering them from this memo (README, Performance).

Only markup that is the same for everyone who sees it is kept. Whether a user
sees agreement badges at all is decided by the view (``standings`` is empty for
those who may not follow the review); a user's own position is never part of this
page's practices. The "Edit" / "Propose a change" link under each practice
depends on who reads (permissions.text_route, decided once per section), so it is
written after the kept fragment, never into it (issue 17).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from drafting import permissions, text
from drafting.templatetags.drafting_urls import url_for

# About 2,000 practices of 2 KB (key and value), several documents' worth per worker.
FRAGMENT_CACHE_BYTES = 16 * 1024 * 1024
TEMPLATE = "drafting/partials/practice_reading.html"

_memo = text.Memo(FRAGMENT_CACHE_BYTES)


def _key(item, label: str, language: str, standing, notes) -> tuple:
    practice = item.practice
    return (
        "practice-reading",
        practice.pk,
        practice.revision,
        item.number,
        # Footnotes are numbered through the document: an edit above renumbers this one's.
        getattr(item, "first_note", 1),
        label,
        language,
        # The badge's words follow from its status (and the language).
        standing.status if standing else "",
        # Reservations change without a new revision of the practice: their words key too.
        tuple((note.pk, note.footnote_lead, note.text) for note in notes or ()),
        # The revision promises the text; the text itself makes a writer that forgot
        # to count a revision harmless (hashing it costs microseconds).
        practice.heading,
        practice.body,
    )


def practice_reading(
    item,
    *,
    label: str = "Good Practice",
    standing=None,
    notes: Iterable | None = None,
    language: str | None = None,
) -> SafeString:
    """One practice's reading view (``NumberedPractice`` in, sanitised HTML out).

    ``standing`` is the agreement status to show (None: no badge), ``notes`` the
    reservations for the record, ``language`` the active one (looked up when not
    given). Rendered through the template on a miss; user text passes through
    ``text.render`` there. Raises nothing of its own.
    """
    notes = list(notes or ())
    if language is None:
        language = translation.get_language() or ""
    key = _key(item, label, language, standing, notes)
    html = _memo.get(key)
    if html is None:
        html = render_to_string(
            TEMPLATE,
            {
                "practice": item.practice,
                "number": item.number,
                "first_note": getattr(item, "first_note", 1),
                # Reservations are the practice's last notes, after its own.
                "first_reservation": getattr(item, "first_note", 1)
                + text.footnote_count(item.practice.body, item.practice.heading),
                "label": label,
                "standing": standing,
                "notes": notes,
            },
        )
        _memo.put(key, html)
    return mark_safe(html)  # noqa: S308  (our template's output; user text via text.render)


# The link under a practice for each route: the page it opens and its words.
ROUTE_LINKS = {
    permissions.EDIT: ("drafting:practice-edit", "Edit", "Edit the text of"),
    permissions.PROPOSE: (
        "drafting:amendment-propose-change",
        "Propose a change",
        "Propose a change to",
    ),
}


def route_link(item, *, label: str, route: str | None) -> str:
    """The per-user link under one practice of the document page ("" for no route).

    ``route`` is permissions.text_route for the practice's section. Written here, not
    in the template, because it follows every practice of a 400-practice page; the
    label is escaped (the document's own word), ids are integers.
    """
    if route not in ROUTE_LINKS:
        return ""
    name, words, spoken = ROUTE_LINKS[route]
    where = escape(f"{label} {item.number}")
    return (
        f'<p class="practice-edit"><a class="button edit-link {route}-link" '
        f'href="{url_for(name, item.practice.pk)}" aria-label="{spoken} {where}">{words}</a></p>'
    )


def practices_reading(
    items: Iterable,
    *,
    label: str = "Good Practice",
    standings: Mapping | None = None,
    reservations: Mapping | None = None,
    route: str | None = None,
) -> SafeString:
    """The reading views of a section's practices, in order, as one piece of HTML.

    One call per section rather than one template tag per practice: the template
    engine's per-item cost was the page's cost. ``route`` (permissions.text_route of
    the section for this user) adds an "Edit" or "Propose a change" link after each
    kept fragment; None adds nothing (observers, the public, exports).
    """
    standings = standings or {}
    reservations = reservations or {}
    language = translation.get_language() or ""
    return mark_safe(  # noqa: S308  (joined fragments from practice_reading; escaped links)
        "".join(
            practice_reading(
                item,
                label=label,
                standing=standings.get(item.practice.pk),
                notes=reservations.get(item.practice.pk),
                language=language,
            )
            + route_link(item, label=label, route=route)
            for item in items
        )
    )

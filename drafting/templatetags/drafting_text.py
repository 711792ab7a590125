"""Template access to the one text renderer."""

from django import template
from django.utils.safestring import SafeString

from drafting import brackets, fragments, text

register = template.Library()


@register.simple_tag
def markdown(
    source: str,
    prefix: object = "",
    key: object = "",
    start: int = 1,
    lead: str | None = None,
) -> SafeString:
    """``{% markdown practice.body prefix="snap" key=practice.pk %}`` — sanitised HTML.

    ``prefix`` and ``key`` make footnote anchors unique when many texts share a page;
    ``start`` is the number of the first footnote (numbered through the document);
    ``lead``, for a practice's body, its lead sentence (whose notes come first).
    """
    anchor = f"n{prefix}{key}-" if f"{prefix}{key}" else ""
    return text.render(source, anchor_prefix=anchor, start=start or 1, lead=lead)


@register.simple_tag
def lead(
    heading: str, body: str = "", prefix: object = "", key: object = "", start: int = 1
) -> SafeString:
    """``{% lead practice.heading practice.body prefix=practice.pk start=n %}`` — the lead
    sentence with its footnote marks; same ``prefix``/``key``/``start`` as the body's tag."""
    anchor = f"n{prefix}{key}-" if f"{prefix}{key}" else ""
    return text.render_lead(heading, body, anchor_prefix=anchor, start=start or 1)


@register.simple_tag
def line(source: str) -> SafeString:
    """``{% line practice.heading %}`` — a one-line text, escaped, with its square brackets."""
    return text.render_line(source)


@register.filter
def open_bracket_count(practice) -> int:
    """``{{ practice|open_bracket_count }}`` — square brackets open in its text (no query)."""
    return brackets.count_open(practice.heading, practice.body)


@register.filter
def last_number(practices: list) -> int:
    return practices[-1].number if practices else 0


@register.filter
def lookup(mapping: dict, key: object) -> object:
    """``{{ editors|lookup:practice.pk }}`` — a dict entry by key (None if absent)."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def practices_reading(
    items: list,
    standings: dict | None = None,
    reservations: dict | None = None,
    label: str = "Good Practice",
    route: str | None = None,
) -> SafeString:
    """``{% practices_reading entry.practices standings=standings reservations=reservations %}``.

    A section's practices as the document page shows them, from drafting.fragments;
    ``label`` is the word before each number ("Good Practice 4"); ``route`` the
    reader's way to change them (permissions.text_route: an Edit or Propose link each).
    """
    return fragments.practices_reading(
        items, label=label, standings=standings, reservations=reservations, route=route
    )


@register.filter
def label(document, number) -> str:
    """{{ document|label:item.number }} -> "Recommendation 20" (Document.label)."""
    return document.label(number)

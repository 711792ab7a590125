"""Template access to the one text renderer."""

from django import template
from django.utils.safestring import SafeString

from drafting import text

register = template.Library()


@register.simple_tag
def markdown(source: str, prefix: object = "", key: object = "") -> SafeString:
    """``{% markdown practice.body prefix="snap" key=practice.pk %}`` — sanitised HTML.

    ``prefix`` and ``key`` make footnote anchors unique when many texts share a page.
    """
    anchor = f"n{prefix}{key}-" if f"{prefix}{key}" else ""
    return text.render(source, anchor_prefix=anchor)


@register.filter
def last_number(practices: list) -> int:
    return practices[-1].number if practices else 0


@register.filter
def lookup(mapping: dict, key: object) -> object:
    """``{{ editors|lookup:practice.pk }}`` — a dict entry by key (None if absent)."""
    return mapping.get(key) if mapping else None


@register.filter
def label(document, number) -> str:
    """{{ document|label:item.number }} -> "Recommendation 20" (Document.label)."""
    return document.label(number)

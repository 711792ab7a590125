"""Template access to the one text renderer."""

from django import template
from django.utils.safestring import SafeString

from drafting import text

register = template.Library()


@register.simple_tag
def markdown(source: str, prefix: object = "") -> SafeString:
    """``{% markdown practice.body prefix=practice.pk %}`` — sanitised HTML."""
    return text.render(source, anchor_prefix=f"n{prefix}-" if prefix != "" else "")


@register.filter
def last_number(practices: list) -> int:
    return practices[-1].number if practices else 0


@register.filter
def lookup(mapping: dict, key: object) -> object:
    """``{{ editors|lookup:practice.pk }}`` — a dict entry by key (None if absent)."""
    return mapping.get(key) if mapping else None

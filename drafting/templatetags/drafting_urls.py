"""``{% url_for %}``: ``{% url %}`` for routes that take one id, reversed once per process.

A section page reverses well over a hundred per-practice URLs (edit, move,
amend, comment…); Django's reverse() costs tens of microseconds each, a few
milliseconds a page. The route is reversed once with a placeholder id and the
id is substituted after.
"""

from functools import lru_cache

from django import template
from django.urls import reverse

register = template.Library()

_PLACEHOLDER = "2147483647"


@lru_cache(maxsize=256)
def _around_id(name: str) -> tuple[str, str]:
    head, found, tail = reverse(name, args=[int(_PLACEHOLDER)]).partition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{name} does not take one id")
    return head, tail


@register.simple_tag
def url_for(name: str, pk: int) -> str:
    """``{% url_for 'drafting:practice-edit' practice.pk %}``."""
    head, tail = _around_id(name)
    return f"{head}{int(pk)}{tail}"

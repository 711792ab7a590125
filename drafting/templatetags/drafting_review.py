"""Template helpers for the review: pick a practice's items, count, build anchor prefixes."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def review_for(review: dict, key):
    """``{% review_for review item.practice.pk as items %}``: the practice's ReviewItems or None."""
    return review.get(key) if review else None


@register.filter
def unresolved_count(threads) -> int:
    return sum(1 for t in threads or () if not t.comment.resolved)


@register.filter
def prefixed(prefix: str, pk) -> str:
    """``"a"|prefixed:amendment.pk`` -> "a12", a footnote-anchor prefix unique on the page.

    (The built-in ``add`` filter cannot join a string and a number.)
    """
    return f"{prefix}{pk}"

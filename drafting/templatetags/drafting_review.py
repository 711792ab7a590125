"""Template helpers for the review: pick a practice's items and count them."""

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

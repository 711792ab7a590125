"""Limits that protect the site: per-user rates for creating things, sizes per document.

Rates. The views that create practices, sections, amendments, comments, meetings
and versions, and the live preview, call ``spend(request, kind)`` just before
their action: it counts the request for that user in the cache every process
shares (``CACHES["default"]``, a database table: drafting.cache), with
django-ratelimit's fixed windows, and raises ``RateLimited`` (a ValidationError,
so the form comes back with the typed text and the message next to it, status
429) once the user is over ``settings.DRAFTING_RATES[kind]``. The secretariat's
rates are ``DRAFTING_SECRETARIAT_RATE_FACTOR`` times higher (bulk work). Reads
are never limited, and neither are scripts, imports or the demo loader: they
call the actions directly.

Sizes. ``refuse_if_too_big`` is the rule the actions that add to a document
check under the document's lock (create a practice or section, restore a
deletion, accept a new practice, lengthen a text): at most
DRAFTING_MAX_PRACTICES_PER_DOCUMENT practices, DRAFTING_MAX_SECTIONS_PER_DOCUMENT
sections and DRAFTING_MAX_DOCUMENT_CHARACTERS characters of text. A document
already past a lowered limit can still shrink.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, Length
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

from drafting import permissions
from drafting.models import Practice, Section

# --- Rates ---------------------------------------------------------------------------------

# kind -> (what the person did too often, what happened to this request)
KINDS: dict[str, tuple[str, str]] = {
    "practices": ("added practices", "Nothing was saved."),
    "sections": ("added sections", "Nothing was saved."),
    "amendments": ("proposed amendments", "Nothing was saved."),
    "comments": ("posted comments", "Nothing was saved."),
    "previews": ("asked for previews", "The preview is paused; your text is not affected."),
    "meetings": ("planned meetings", "Nothing was saved."),
    "versions": ("named versions", "Nothing was saved."),
    # Every save of a text or of the order writes history that is never deleted.
    "edits": ("saved texts or moved practices", "Nothing was saved; your text is still here."),
    # People (issue 12): each invitation and each reset link is an e-mail sent by the site.
    "invitations": ("sent invitations", "No invitation was sent."),
    "password_resets": ("asked for password e-mails", "No e-mail was sent."),
}

_PERIODS = {"s": ("second", 1), "m": ("minute", 60), "h": ("hour", 3600), "d": ("day", 86400)}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


class RateLimited(ValidationError):
    """Over a per-user rate: nothing was written. Shown next to the form, answered 429.

    ``retry_after``: seconds until the user's window ends and they may try again.
    """

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def rate_for(user, kind: str) -> str | None:
    """The rate ``user`` has for ``kind`` ("60/h"), None when that kind is not limited.

    The secretariat's count is DRAFTING_SECRETARIAT_RATE_FACTOR times the setting's.
    Raises KeyError for a kind that is not in ``KINDS``.
    """
    KINDS[kind]  # a misspelt kind is a programming error, not an unlimited one
    rate = settings.DRAFTING_RATES.get(kind)
    if rate is None:
        return None
    if permissions.is_secretariat(user):
        count, _, period = rate.partition("/")
        rate = f"{int(count) * max(settings.DRAFTING_SECRETARIAT_RATE_FACTOR, 1)}/{period}"
    return rate


def _per(rate: str) -> str:
    """ "60/h" -> "60 an hour"; "500/2h" -> "500 every 2 hours"."""
    count, multiple, unit = _RATE.match(rate).groups()
    name = _PERIODS[unit][0]
    if multiple and int(multiple) != 1:
        return f"{int(count):,} every {multiple} {name}s"
    return f"{int(count):,} {'an' if name == 'hour' else 'a'} {name}"


def _wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def spend(request: HttpRequest, kind: str, *, key: str | Callable = "user") -> None:
    """Count one ``kind`` request by the logged-in user; raise RateLimited when over the rate.

    ``key`` is what is counted, as django-ratelimit takes it: the logged-in user by
    default; pages that people use before logging in (a forgotten password) pass a
    function of the request instead (its client address, the address typed), each
    counted on its own.

    Call it just before the action, once the form is valid: the request counts
    whether or not the action then succeeds. The count lives in the shared cache
    (every process and host sees it) in a fixed window of the rate's period,
    jittered per user; the message says when the window ends, in the site's time
    zone. Raises RateLimited (ValidationError, code "rate_limited").
    """
    rate = rate_for(request.user, kind)
    if rate is None:
        return
    usage = get_usage(request, group=f"drafting.{kind}", key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return
    # time_left is -1 only when the cache could not count: ask for a moment's patience.
    retry_after = max(int(usage["time_left"]), 1)
    at = timezone.localtime(timezone.now() + timedelta(seconds=retry_after))
    did, outcome = KINDS[kind]
    raise RateLimited(
        f"You have {did} faster than the site allows ({_per(rate)}). {outcome} "
        f"You can go on in {_wait(retry_after)} (at {at:%H:%M}).",
        retry_after=retry_after,
    )


def rate_limited_status(form, default: int) -> int:
    """429 when ``form`` carries a RateLimited refusal, else ``default``."""
    return 429 if form.has_error("__all__", code="rate_limited") else default


# --- Sizes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """How much a document holds, or how much a change adds to it."""

    practices: int = 0
    sections: int = 0
    characters: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(
            self.practices + other.practices,
            self.sections + other.sections,
            self.characters + other.characters,
        )

    def __sub__(self, other: Size) -> Size:
        return Size(
            self.practices - other.practices,
            self.sections - other.sections,
            self.characters - other.characters,
        )


def document_size(document_id: int) -> Size:
    """Practices, sections and characters of text (headings, bodies, titles,
    introductions) the document holds now. Two queries, whatever its size."""

    def total(*fields: str):
        return Coalesce(Sum(sum((Length(f) for f in fields[1:]), Length(fields[0]))), 0)

    practices = Practice.objects.filter(section__document_id=document_id).aggregate(
        n=Count("pk"), chars=total("heading", "body")
    )
    sections = Section.objects.filter(document_id=document_id).aggregate(
        n=Count("pk"), chars=total("title", "introduction")
    )
    return Size(practices["n"], sections["n"], practices["chars"] + sections["chars"])


def text_size(*texts: str | None) -> int:
    """Characters in ``texts``, as the size limit counts them."""
    return sum(len(t or "") for t in texts)


def why_too_big(now: Size, adding: Size) -> str | None:
    """Why adding ``adding`` to a document holding ``now`` is refused, or None.

    Only what grows is checked, so a document past a lowered limit can still shrink.
    """
    after = now + adding
    limits = [
        (adding.practices, after.practices, settings.DRAFTING_MAX_PRACTICES_PER_DOCUMENT,
         "practices"),
        (adding.sections, after.sections, settings.DRAFTING_MAX_SECTIONS_PER_DOCUMENT,
         "sections"),
        (adding.characters, after.characters, settings.DRAFTING_MAX_DOCUMENT_CHARACTERS,
         "characters of text"),
    ]  # fmt: skip
    for added, total, limit, what in limits:
        if added > 0 and total > limit:
            return (
                f"A document may hold at most {limit:,} {what}; this change would bring it "
                f"to {total:,}. Nothing was changed. Remove what is no longer needed, or ask "
                "the site's administrators to raise the limit."
            )
    return None


def refuse_if_too_big(document_id: int, adding: Size, *, now: Size | None = None) -> None:
    """Raise ValidationError (why_too_big's words) if ``adding`` takes the document past a limit.

    Call it with the document locked (the actions' lock order), so two additions
    cannot both pass. ``now``: the size already measured (else measured here).
    """
    if adding.practices <= 0 and adding.sections <= 0 and adding.characters <= 0:
        return
    reason = why_too_big(document_size(document_id) if now is None else now, adding)
    if reason:
        raise ValidationError(reason, code="document_too_big")

"""Uploads waiting for their import to be confirmed: held in the shared cache.

The file waits in ``CACHES["default"]`` (a database table, so any application
process can show the preview or confirm it) for a day, or until it is confirmed
or cancelled, under a key that names its uploader; the session holds only the
file's name, so a 20 MB upload is not loaded with every page the secretariat
opens meanwhile. Not drafting content (no history): a staging copy of a file.
"""

from __future__ import annotations

import re
import secrets

from django.core.cache import cache
from django.http import Http404, HttpRequest

_KEY = "drafting-import-"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16}")  # token_urlsafe(12); anything else names no upload
WAITS_SECONDS = 24 * 3600  # an upload left unconfirmed is forgotten after a day


def _file_key(request: HttpRequest, token: str) -> str:
    return f"{_KEY}{request.user.pk}-{token}"


def keep(request: HttpRequest, name: str, data: bytes) -> str:
    """Hold the uploaded file ``name`` (its bytes ``data``); returns its token for the URL."""
    token = secrets.token_urlsafe(12)
    cache.set(_file_key(request, token), data, WAITS_SECONDS)
    request.session[_KEY + token] = {"name": name}
    return token


def waiting(request: HttpRequest, token: str) -> tuple[str, bytes]:
    """(name, bytes) of this user's upload ``token``; Http404 if it is not waiting."""
    stored = request.session.get(_KEY + token) if _TOKEN.fullmatch(token) else None
    data = cache.get(_file_key(request, token)) if stored else None
    if data is None:
        raise Http404("This upload is no longer waiting: it was imported, cancelled or expired.")
    return stored["name"], data


def forget(request: HttpRequest, token: str) -> None:
    """Drop the upload ``token`` (imported or cancelled); harmless if it is already gone."""
    if _TOKEN.fullmatch(token):
        cache.delete(_file_key(request, token))
    request.session.pop(_KEY + token, None)

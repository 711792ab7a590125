"""Prints a database's content as JSON, for comparing databases in tests/test_archive.py.

    DATABASE_URL=... python -m tests.archive_probe

Independent of drafting.archive: rows come straight from the ORM, and every
document is reconstructed (history.document_as_of) at every moment its
history records, at every named version and at each meeting's opening.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict


def _plain(value):
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drafting.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from drafting import archive, history
    from drafting.models import Document, Practice, Section, Version

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    # Datetimes come back in UTC from both databases (USE_TZ), so isoformat() compares.
    rows = {}
    for model in archive.archived_models():
        names = [f.attname for f in model._meta.concrete_fields]
        if model is get_user_model():
            names.remove("last_login")  # moves when anyone logs in; not content
        rows[model._meta.label_lower] = [
            [_plain(v) for v in row]
            for row in model._base_manager.order_by("pk").values_list(*names)
        ]
    moments = set()
    for model in (Document, Section, Practice):
        moments |= set(model.history.values_list("history_date", flat=True))
    moments |= set(Version.objects.values_list("taken_at", flat=True))
    snapshots = {}
    for document in Document.objects.order_by("pk"):
        for meeting in document.meetings.all():
            moments.add(history.meeting_window(meeting)[0])
        for when in sorted(moments):
            try:
                snap = history.document_as_of(document, when)
            except Document.DoesNotExist:
                continue
            snapshots[f"{document.slug}@{when.isoformat()}"] = json.loads(
                json.dumps(asdict(snap), default=_plain)
            )
    json.dump(
        {"vendor": connection.vendor, "rows": rows, "snapshots": snapshots},
        sys.stdout,
        sort_keys=True,
    )


if __name__ == "__main__":
    main()

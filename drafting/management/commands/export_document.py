"""`manage.py export_document <slug> --format pdf|docx|html|md [...] --output FILE`

The same exports as the download menu, for scripts:

    manage.py export_document homegrown-terrorism --format pdf --output gp.pdf
    manage.py export_document homegrown-terrorism --format docx --version "Draft 3 — …"
    manage.py export_document homegrown-terrorism --format pdf --at 2018-06-25T09:00
    manage.py export_document homegrown-terrorism --format html --meeting 4
    manage.py export_document homegrown-terrorism --format docx \\
        --redline-from "version:Draft 2 — for the criminal-justice workshop" --output changes.docx

Reading only: nothing is written to the database, so no acting user is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting import export
from drafting.history import points
from drafting.models import Document


class Command(BaseCommand):
    help = "Export a document (or a redline) as PDF, Word, HTML or Markdown."
    # Reading only. The system checks would import the URLconf and every view (and
    # the writers they use) before the first byte of the export: most of the
    # command's start-up (issue 13). ``manage.py check`` and every server run them.
    requires_system_checks = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        # ``--version NAME`` names a version of the document, as the issue asks; it replaces
        # Django's own --version (which prints Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The document's slug, as in its address.")
        parser.add_argument(
            "--format", dest="fmt", default="pdf", help=f"One of: {', '.join(export.FORMATS)}."
        )
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--version", dest="version_name", help="A named version (its name).")
        which.add_argument("--at", help="An ISO date or date-time, e.g. 2018-06-25T09:00.")
        which.add_argument("--meeting", help="A meeting (its id or title): text at its opening.")
        parser.add_argument(
            "--redline-from",
            help="Export the changes since this point: now, an ISO date, version:NAME, "
            "meeting:ID|TITLE, or a version name.",
        )
        parser.add_argument(
            "--output", "-o", help="File to write (default: the export's own name; - for stdout)."
        )

    def handle(
        self,
        slug: str,
        *,
        fmt: str,
        version_name=None,
        at=None,
        meeting=None,
        redline_from=None,
        output=None,
        **options,
    ) -> None:
        fmt = (fmt or "").lower()
        if fmt not in export.FORMATS:
            raise CommandError(
                f"Unknown format “{fmt}”: choose one of {', '.join(export.FORMATS)}."
            )
        document = Document.objects.filter(slug=slug).first()
        if document is None:
            known = ", ".join(Document.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"No document “{slug}”. Documents: {known or 'none yet'}.")
        try:
            if version_name is not None:
                point = points.of_version(points.find_version(document, version_name))
            elif meeting is not None:
                point = points.of_meeting(points.find_meeting(document, meeting))
            elif at is not None:
                point = points.at(points.parse_datetime(at))
            else:
                point = points.NOW
            start = points.resolve(document, redline_from) if redline_from else None
            exported = export.export(document, fmt, point, redline_from=start)
        except points.PointError as error:
            raise CommandError(str(error)) from None

        if output == "-":
            sys.stdout.buffer.write(exported.content)
            sys.stdout.flush()
            return
        path = Path(output or exported.filename)
        if path.is_dir():
            path = path / exported.filename
        try:
            path.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stdout.write(f"Wrote {path} ({len(exported.content):,} bytes).")

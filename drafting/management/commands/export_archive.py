"""Write the whole forum — documents, complete history, users — to one portable JSON file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting.archive import ArchiveError, export_archive


class Command(BaseCommand):
    help = (
        "Export all forum data, documents and their complete history (users, dates, reasons) "
        "to FILE as portable JSON ('-' for standard output). Restore with import_archive."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Where to write the archive, or - for standard output.")
        parser.add_argument("--database", default="default", help="Database alias to read.")

    def handle(self, *args, file: str, database: str, **options) -> None:
        try:
            if file == "-":
                counts = export_archive(sys.stdout, using=database)
            else:
                path = Path(file)
                partial = path.with_name(path.name + ".partial")
                with partial.open("w", encoding="utf-8") as out:
                    counts = export_archive(out, using=database)
                # Only a complete archive takes the final name.
                partial.replace(path)
        except (ArchiveError, OSError) as error:
            raise CommandError(str(error)) from error
        if file != "-":
            history = sum(n for label, n in counts.items() if ".historical" in label)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Archived {sum(counts.values())} rows ({history} history rows) "
                    f"from {len(counts)} tables to {file}."
                )
            )

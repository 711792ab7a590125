"""Restore an archive written by export_archive into an empty database (SQLite or PostgreSQL)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting.archive import ArchiveError, import_archive


class Command(BaseCommand):
    help = (
        "Restore FILE (written by export_archive; '-' for standard input) into this database, "
        "which must be migrated and empty. The archive must be complete and match its "
        "manifest. All or nothing."
    )

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(f"Warning: {message}"))

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The archive to restore, or - for standard input.")
        parser.add_argument("--database", default="default", help="Database alias to write.")

    def handle(self, *args, file: str, database: str, **options) -> None:
        try:
            if file == "-":
                counts = import_archive(sys.stdin, using=database, warn=self._warn)
            else:
                with Path(file).open(encoding="utf-8") as source:
                    counts = import_archive(source, using=database, warn=self._warn)
        except (ArchiveError, OSError) as error:
            raise CommandError(str(error)) from error
        history = sum(n for label, n in counts.items() if ".historical" in label)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values())} rows ({history} history rows) "
                f"into {len(counts)} tables from {file}."
            )
        )

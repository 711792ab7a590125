"""``manage.py verify_package FILE``: is a downloaded adoption package intact?

Checks the ZIP against the stored record and the history (drafting/export/package.py
``verify``) and prints a verdict: "intact", or exactly what differs. Exit status
0 when intact, 1 otherwise (a tampered package, a ZIP that is not a package, a
file that is not a ZIP, a file that cannot be read), never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from drafting.export import package


class Command(BaseCommand):
    help = "Check a downloaded adoption package (ZIP) against the stored record."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The package's ZIP file, as downloaded.")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            self._fail(f"Cannot read {file}: {error.strerror or error}.")
        try:
            verdict = package.verify(data)
        except package.NotAPackage as error:
            self._fail(f"{file}: {error}")
        for note in verdict.notes:
            self.stdout.write(note)
        if verdict.intact:
            p = verdict.package
            self.stdout.write(
                self.style.SUCCESS(
                    f"intact: {file} is the adoption package of “{p.document}” built "
                    f"{p.built_at.isoformat()}; clean text digest {p.text_digest}."
                )
            )
            return
        self.stdout.write(self.style.ERROR(f"NOT intact: {file}"))
        for problem in verdict.problems:
            self.stdout.write(f"- {problem}")
        sys.exit(1)

    def _fail(self, message: str) -> None:
        self.stdout.write(self.style.ERROR(f"NOT a package: {message}"))
        sys.exit(1)

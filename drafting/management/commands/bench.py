"""`make bench`: build a large scratch document and print timings for each area."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from drafting import bench

# Each module exposes run(ctx) -> list[bench.Row]; missing ones are skipped.
AREAS = [
    "pages",
    "served",
    "meetings",
    "export",
    "history",
    "limits",
    "imports",
    "positions",
    "notifications",
    "periods",  # comment periods (issue 15)
]


class Command(BaseCommand):
    help = "Benchmark pages, reconstruction and export on a 400-practice document (scratch DB)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", choices=AREAS, action="append", help="Run only these areas.")

    def handle(self, *args, only=None, **options) -> None:
        name = str(settings.DATABASES["default"]["NAME"])
        if "bench" not in name:
            raise CommandError(
                f"Refusing to write benchmark data into {name!r}: run `make bench`, which uses a "
                "scratch database."
            )
        self.stdout.write("Building the benchmark document (first run only)…")
        ctx = bench.build()
        rows = []
        for area in only or AREAS:
            try:
                module = importlib.import_module(f"drafting.bench.{area}")
            except ModuleNotFoundError:
                continue
            rows.extend(module.run(ctx))
        bench.print_rows(rows, self.stdout.write)

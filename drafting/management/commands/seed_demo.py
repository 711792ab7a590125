"""Load the demo forum (idempotent) and print the demo logins."""

from django.core.management.base import BaseCommand

from drafting.demo import content
from drafting.demo.loader import load_demo
from drafting.models import Document


class Command(BaseCommand):
    help = "Load the demo forum, its document and history. Running it again changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only load when the database holds no document yet (used by `make run`).",
        )

    def handle(self, *args, quiet_logins: bool = False, if_empty: bool = False, **options) -> None:
        if if_empty and Document.objects.exists():
            self.stdout.write("The database already holds documents; demo not loaded.")
        elif (report := load_demo()).changed:
            self.stdout.write(
                self.style.SUCCESS(f"Demo forum loaded ({len(report.created)} objects).")
            )
        else:
            self.stdout.write("Demo forum already present; nothing changed.")
        if not quiet_logins:
            self.stdout.write(
                "\nDemo logins (development only), password for all: " + content.DEMO_PASSWORD
            )
            for username, first, last, role, code in content.USERS:
                self.stdout.write(f"  {username:<12} {first} {last} — {role}, {code}")

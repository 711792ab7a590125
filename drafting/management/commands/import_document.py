"""`manage.py import_document FILE [--into SLUG] [--as USER] [--changes MODE] [--dry-run] [--json]`

Start a document from a Word (.docx) or Markdown (.md) draft:

    manage.py import_document vessen.docx --dry-run --json   # the structure found; writes nothing
    manage.py import_document vessen.docx --as amal --changes amendments \\
        --map "Delegation of Norvania=NOR" --forum "Global Forum"

``--changes``: reject (default: the text before the tracked changes), accept
(Word's accept all), or amendments (the text before the changes; each Word
author's changes become amendments on behalf of the delegation they are
mapped to with --map, or whose name or code appears in the author's name).
Word comments become comments on their practice. Bad files, a file with no
practice, or a refused write: a message on stderr, nothing saved, exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from drafting.actions.imports import import_document
from drafting.imports.plan import MODES, forum_codes, guess_delegations, make_plan
from drafting.imports.reader import ImportRefused, max_upload_bytes, read
from drafting.models import Delegation, Document


class Command(BaseCommand):
    help = "Import a Word (.docx) or Markdown (.md) draft as a new document."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The .docx or .md file.")
        parser.add_argument("--into", help="Slug of an existing document without sections.")
        parser.add_argument("--as", dest="username", help="The secretariat user who imports.")
        parser.add_argument("--changes", default="reject", choices=MODES)
        parser.add_argument("--dry-run", action="store_true", help="Show the structure only.")
        parser.add_argument("--json", action="store_true", help="Print the structure as JSON.")
        parser.add_argument("--label-term", help='Force the label term, e.g. "Recommendation".')
        parser.add_argument("--forum", default="", help="The forum, as printed on the cover.")
        parser.add_argument("--slug", default="", help="The new document's slug.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="AUTHOR=CODE",
            help="Attribute a Word author's changes and comments to a delegation (by code).",
        )

    def handle(self, file: str, **o) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        if path.stat().st_size > max_upload_bytes():
            # Refuse before reading a huge file into memory.
            limit = max_upload_bytes() / 1e6
            raise CommandError(f"{path.name} is larger than the {limit:.0f} MB import limit.")
        try:
            plan = make_plan(
                read(path.name, path.read_bytes()),
                mode=o["changes"],
                label_term=o["label_term"],
                delegation_codes=forum_codes(),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        structure = {**plan.structure, "warnings": plan.warnings, "authors": plan.authors}
        if o["dry_run"] or not plan.practice_count:
            self._show(plan, structure, o["json"])
            if not plan.practice_count:
                raise CommandError(f"No practice was found in {path.name}; nothing was imported.")
            return
        user = self._user(o["username"])
        mapping = guess_delegations(plan.authors + plan.comment_authors)
        mapping.update(self._mapping(o["map"]))
        into = None
        if o["into"]:
            into = Document.objects.filter(slug=o["into"]).first()
            if into is None:
                raise CommandError(f"No document “{o['into']}”.")
        try:
            result = import_document(
                plan,
                by=user,
                into=into,
                forum=o["forum"],
                slug=o["slug"],
                delegations=mapping,
            )
        except (PermissionDenied, ValidationError) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        if o["json"]:
            structure["document"] = result.document.slug
            self.stdout.write(json.dumps(structure, ensure_ascii=False, indent=1))
            return
        for warning in plan.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{result.reason} “{result.document}” ({result.document.slug}): "
            f"{result.sections} section(s), {result.practices} practice(s), "
            f"{result.amendments} amendment(s), {result.comments} comment(s)."
        )

    def _show(self, plan, structure: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(structure, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{plan.title} — {plan.practice_count} practice(s)")
        for section in plan.sections:
            self.stdout.write(f"  {section.title}")
            for p in section.practices:
                self.stdout.write(f"    {p.label}: {p.heading[:70]}")
        for a in plan.amendments:
            self.stdout.write(f"  amendment ({a.kind}) to {a.label} by {a.author}")
        for item in plan.left_out:
            self.stdout.write(f"  left out: {item['text'][:70]} — {item['reason']}")
        for warning in plan.warnings:
            self.stdout.write(f"  warning: {warning}")

    def _user(self, username: str | None):
        if not username:
            raise CommandError("Say who imports with --as USERNAME (a secretariat account).")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        return user

    def _mapping(self, pairs: list[str]) -> dict[str, Delegation | None]:
        out: dict[str, Delegation | None] = {}
        for pair in pairs:
            author, _, code = pair.rpartition("=")
            if not author:
                raise CommandError(f"--map takes AUTHOR=CODE, not “{pair}”.")
            delegation = Delegation.objects.filter(code__iexact=code.strip()).first()
            if delegation is None and code.strip():
                raise CommandError(f"No delegation with code “{code}”.")
            out[author.strip()] = delegation
        return out

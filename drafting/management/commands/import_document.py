"""`manage.py import_document FILE [--into SLUG] [--as USER] [--changes MODE] [--dry-run] [--json]`

Start a document from a Word (.docx) or Markdown (.md) draft:

    manage.py import_document vessen.docx --dry-run --json   # the structure found; writes nothing
    manage.py import_document vessen.docx --as amal --changes amendments \\
        --map "Delegation of Norvania=NOR" --forum "Global Forum"

Or bring a revised copy back into a document that has text:

    manage.py import_document revised.docx --into SLUG --dry-run --json   # the differences
    manage.py import_document revised.docx --into SLUG --as amal --apply-as amendments \\
        --delegation US

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

from drafting.actions.base import StaleRevision
from drafting.actions.imports import import_document, import_revision
from drafting.imports.plan import MODES, forum_codes, guess_delegations, make_plan
from drafting.imports.reader import ImportRefused, max_upload_bytes, read
from drafting.imports.revision import compare
from drafting.models import Delegation, Document


class Command(BaseCommand):
    help = "Import a Word (.docx) or Markdown (.md) draft as a new document."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The .docx or .md file.")
        parser.add_argument(
            "--into",
            help="Slug of an existing document: an empty one takes the draft; one with text is "
            "compared with the file (a revised copy) and takes its differences.",
        )
        parser.add_argument(
            "--apply-as",
            choices=("changes", "amendments"),
            help="A revised copy's differences: recorded changes or amendments (required to "
            "write into a document with text: review them with --dry-run first).",
        )
        parser.add_argument(
            "--delegation",
            default="",
            metavar="CODE",
            help="With --apply-as amendments: the delegation they are recorded for.",
        )
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
        into = None
        if o["into"]:
            into = Document.objects.filter(slug=o["into"]).first()
            if into is None:
                raise CommandError(f"No document “{o['into']}”.")
        revising = into is not None and into.sections.exists()
        try:
            plan = make_plan(
                read(path.name, path.read_bytes()),
                mode=o["changes"],
                label_term=o["label_term"] or (into.label_term if revising else None),
                delegation_codes=forum_codes(),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        if revising:
            self._revise(plan, into, o)
            return
        structure = {**plan.structure, "warnings": plan.warnings, "authors": plan.authors}
        if o["dry_run"] or not plan.practice_count:
            self._show(plan, structure, o["json"])
            if not plan.practice_count:
                raise CommandError(f"No practice was found in {path.name}; nothing was imported.")
            return
        user = self._user(o["username"])
        mapping = guess_delegations(plan.authors + plan.comment_authors)
        mapping.update(self._mapping(o["map"]))
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

    def _revise(self, plan, document: Document, o: dict) -> None:
        """A revised copy of ``document``: print its differences, or apply them."""
        if not plan.practice_count:
            raise CommandError(f"No practice was found in {plan.source}; nothing was imported.")
        revision = compare(plan, document)
        if o["dry_run"]:
            self._show_differences(revision, o["json"])
            return
        if not o["apply_as"]:
            # Nothing overwritten without a review: the command's review is --dry-run.
            raise CommandError(
                f"“{document}” already has text: the file is compared with it as a revised copy. "
                "Review the differences with --dry-run, then choose --apply-as changes or "
                "--apply-as amendments --delegation CODE. Nothing was imported."
            )
        user = self._user(o["username"])
        mapping = guess_delegations(plan.authors + plan.comment_authors)
        mapping.update(self._mapping(o["map"]))
        delegation = None
        if o["delegation"]:
            delegation = Delegation.objects.filter(code__iexact=o["delegation"].strip()).first()
            if delegation is None:
                raise CommandError(f"No delegation with code “{o['delegation']}”.")
        try:
            result = import_revision(
                revision,
                by=user,
                seen=revision.seen,
                apply_as=o["apply_as"],
                delegation=delegation,
                delegations=mapping,
            )
        except (PermissionDenied, ValidationError, StaleRevision) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        for warning in revision.warnings + plan.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{result.reason} “{document}” ({document.slug}): {result.changes} recorded "
            f"change(s), {result.amendments} amendment(s), {result.comments} comment(s)."
        )

    def _show_differences(self, revision, as_json: bool) -> None:
        differences = [
            {
                "label": d.label,
                "file_label": d.file_label or None,
                "kind": d.kind,
                "section": d.section.title,
                **(
                    {
                        "old": {"heading": d.old_heading, "body": d.old_body},
                        "new": {"heading": d.heading, "body": d.body},
                    }
                    if d.is_change
                    else {}
                ),
                "comments": d.comments,
            }
            for d in revision.differences
        ]
        if as_json:
            out = {
                "document": revision.document.slug,
                "source": revision.plan.source,
                "counts": revision.counts(),
                "differences": differences,
                "amendments": [
                    {"author": a.author, "kind": a.kind, "label": t.label if t else a.label}
                    for a, t in revision.amendments
                ],
                "warnings": revision.warnings + revision.plan.warnings,
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        counts = revision.counts()
        self.stdout.write(
            f"{revision.plan.source} against “{revision.document}”: "
            + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        )
        for d in revision.differences:
            if d.is_change:
                self.stdout.write(f"  {d.kind}: {d.label} ({d.section.title})")
        for warning in revision.warnings + revision.plan.warnings:
            self.stdout.write(f"  warning: {warning}")

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

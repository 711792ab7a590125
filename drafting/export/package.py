"""The adoption package: the files a secretariat hands over with the text, and their checking.

What a package holds (one ZIP; every file is listed in ``manifest.json`` with
its SHA-256 and size):

- ``clean-text.md``: **the canonical clean text**, the Markdown export
  (drafting/export/markdown.py) of the document at the moment it was submitted
  for adoption, UTF-8. *The clean text's digest* is the SHA-256 of exactly these
  bytes, so anyone can check it with ``sha256sum clean-text.md``; it is printed
  on the last page of ``clean-text.pdf`` and at the end of ``clean-text.docx``
  (the same text typeset), and stored with the package record;
- ``redline.pdf`` / ``redline.docx``: the changes since the last circulated
  version (the latest named Version taken at or before that moment; from the
  start when there is none);
- ``reservations.docx``: the reservations accepted for the record, as printed
  in the text's footnotes at that moment;
- ``record.docx``: the record of the process: meetings with their dates and
  outcomes, named versions, who approved which section when, the document's
  steps towards adoption, the reservations for the record. The same facts,
  machine-readable, are in the manifest.

"The moment" is the date of the document's history row that submitted it (the
latest submission, if it was withdrawn and submitted again): the text of the
package is rebuilt from history at that moment, and so is the digest
``verify()`` compares. Cover names (delegations, meetings) are read as they are
now, like every export of a past moment, so renaming a delegation later shows
up as a difference in the rebuilt text, which ``verify()`` reports.

Nothing here writes: drafting/actions/packages.py builds and stores a package,
the ``verify_package`` command calls ``verify()``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from drafting.export import markdown, pdf, writer
from drafting.export.snapshot import ExportDocument, build
from drafting.history import person
from drafting.history.points import Point
from drafting.models import (
    AdoptionPackage,
    Document,
    ReviewMeeting,
    Section,
    Version,
)

FORMAT = "drafting adoption package 1"
MANIFEST = "manifest.json"
CLEAN_MD = "clean-text.md"
TEXT_DIGEST_DEFINITION = (
    "SHA-256 of clean-text.md: the UTF-8 Markdown export of the clean text of the document "
    "as it stood at text.moment, rebuilt from the history."
)
# A package holds a handful of files; anything much larger is not ours (a zip bomb).
MAX_MEMBER_BYTES = 512 * 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


# --- the clean text and its digest ------------------------------------------------------


def clean_model(document: Document, point: Point) -> ExportDocument:
    """The export model of the clean text of ``document`` at ``point`` (a past moment)."""
    return build(document, point)


def clean_markdown(model: ExportDocument) -> bytes:
    """The canonical clean text: the Markdown export of ``model``, without the digest line."""
    if model.text_digest:  # the digest is over the text, not over itself
        raise ValueError("The canonical clean text is rendered without its digest line.")
    return markdown.render(model)


def text_digest_at(document: Document, point: Point) -> str:
    """The clean text's digest rebuilt from history (what ``verify()`` compares)."""
    return sha256(clean_markdown(clean_model(document, point)))


# --- the record of the process ----------------------------------------------------------


def process_record(document: Document, until: datetime) -> dict:
    """Meetings, versions, section approvals and lifecycle steps up to ``until``, as data.

    Four queries whatever the length of the history (history rows fetched once
    and paired with their neighbours in Python).
    """
    meetings = [
        {
            "title": m.title,
            "kind": m.get_kind_display(),
            "status": m.get_status_display(),
            "city": m.city,
            "starts_on": m.starts_on.isoformat(),
            "ends_on": m.ends_on.isoformat(),
            "theme": m.theme,
            "outcome": m.outcome,
        }
        for m in ReviewMeeting.objects.filter(document=document).order_by("starts_on", "id")
    ]
    versions = [
        {
            "name": v.name,
            "taken_at": _iso(v.taken_at),
            "named_by": str(person(v.created_by)),
            "meeting": v.meeting.title if v.meeting else "",
            "note": v.note,
        }
        for v in Version.objects.filter(document=document, taken_at__lte=until)
        .select_related("created_by__profile__delegation", "meeting")
        .order_by("taken_at", "id")
    ]
    approvals = []
    rows = (
        Section.history.filter(document_id=document.pk, history_date__lte=until)
        .select_related("history_user__profile__delegation", "history_meeting")
        .order_by("id", "history_id")
    )
    previous = None
    for row in rows:
        was = previous.status if previous is not None and previous.id == row.id else None
        if row.history_type != "-" and row.status == Section.Status.APPROVED and was != row.status:
            approvals.append(
                {
                    "section": row.title,
                    "approved_by": str(row.author),
                    "approved_at": _iso(row.history_date),
                    "meeting": row.history_meeting.title if row.history_meeting else "",
                    "note": row.approval_note,
                }
            )
        previous = row
    approvals.sort(key=lambda a: a["approved_at"])
    steps = []
    last = None
    statuses = dict(Document.Status.choices)
    for row in (
        Document.history.filter(id=document.pk, history_date__lte=until)
        .select_related("history_user__profile__delegation")
        .order_by("history_id")
    ):
        if row.status != last:
            steps.append(
                {
                    "status": statuses.get(row.status, row.status),
                    "at": _iso(row.history_date),
                    "by": str(row.author),
                    "reason": row.history_change_reason or "",
                }
            )
            last = row.status
    return {"meetings": meetings, "versions": versions, "approvals": approvals, "steps": steps}


def reservations(model: ExportDocument) -> list[dict]:
    """The reservations on the record in the clean text, in document order."""
    return [
        {
            "practice": p.number,
            "label": p.label,  # in the document's label term: "Recommendation 3"
            "heading": p.heading,
            "note": lead,
            "statement": statement,
        }
        for p in model.practices
        for lead, statement in p.reservations
    ]


# --- the readable documents (python-docx: small, and every text goes in as text) --------


def _docx(title: str, subtitle: str, parts: Iterable[tuple[str, list[str]]]) -> bytes:
    from docx import Document as new_docx

    clean = writer("docx")._XML_INVALID.sub  # XML 1.0 forbids a few characters: drop them
    out = new_docx()
    out.core_properties.title = clean("", title)[:255]
    out.add_heading(clean("", title), level=0)
    out.add_paragraph(clean("", subtitle))
    for heading, lines in parts:
        out.add_heading(clean("", heading), level=1)
        if not lines:
            out.add_paragraph("None.")
        for line in lines:
            out.add_paragraph(clean("", line))
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _reservation_lines(entries: list[dict]) -> list[str]:
    return [f"{e['label']} — {e['heading']}\n{e['note']} {e['statement']}".strip() for e in entries]


def reservations_docx(model: ExportDocument, entries: list[dict]) -> bytes:
    lines = _reservation_lines(entries)
    return _docx(
        f"Reservations for the record — {model.cover.title}",
        f"As printed in the footnotes of the text: {model.what}.",
        [("Reservations", lines)],
    )


def record_docx(model: ExportDocument, record: dict, entries: list[dict]) -> bytes:
    meetings = [
        f"{m['title']} ({m['kind']}, {m['status'].lower()}), "
        f"{m['city'] + ', ' if m['city'] else ''}{m['starts_on']} to {m['ends_on']}."
        + (f"\nTheme: {m['theme']}" if m["theme"] else "")
        + (f"\nOutcome: {m['outcome']}" if m["outcome"] else "")
        for m in record["meetings"]
    ]
    versions = [
        f"{v['name']} — taken {v['taken_at']}, named by {v['named_by']}"
        + (f", for {v['meeting']}" if v["meeting"] else "")
        + (f". {v['note']}" if v["note"] else ".")
        for v in record["versions"]
    ]
    approvals = [
        f"{a['section']} — approved by {a['approved_by']} on {a['approved_at']}"
        + (f" at {a['meeting']}" if a["meeting"] else "")
        + (f". {a['note']}" if a["note"] else ".")
        for a in record["approvals"]
    ]
    steps = [
        f"{s['status']} — {s['at']}, by {s['by']}" + (f". {s['reason']}" if s["reason"] else ".")
        for s in record["steps"]
    ]
    return _docx(
        f"Record of the process — {model.cover.title}",
        f"{model.what}. Times are UTC.",
        [
            ("Meetings", meetings),
            ("Named versions", versions),
            ("Section approvals", approvals),
            ("Steps towards adoption", steps),
            ("Reservations for the record", _reservation_lines(entries)),
        ],
    )


# --- the package ----------------------------------------------------------------------


@dataclass
class Built:
    """A package made but not yet stored: the ZIP, its digest, the text digest, the manifest."""

    content: bytes
    zip_digest: str
    text_digest: str
    manifest: dict


@dataclass
class Member:
    name: str
    content: bytes
    what: str


def make(
    document: Document,
    point: Point,
    *,
    since: Point,
    since_version: str,
    by,
    built_at: datetime,
    document_history_id: int,
    waiting=None,
) -> Built:
    """Every file of the package of ``document`` at ``point``, zipped with its manifest.

    Reads the database (the text at ``point``, the redline from ``since``, the
    record) and typesets three PDFs in child processes (each bounded by
    settings.EXPORT_TIMEOUT_SECONDS; TypesetError if one is stopped). Writes nothing.
    """
    model = clean_model(document, point)
    text = clean_markdown(model)
    digest = sha256(text)
    model.text_digest = digest
    redline = build(document, point, redline_from=since)
    record = process_record(document, point.moment())
    entries = reservations(model)
    members = [
        Member(CLEAN_MD, text, "The canonical clean text (Markdown); its SHA-256 is text_digest."),
        Member("clean-text.pdf", pdf.render(model, waiting=waiting), "The clean text (PDF)."),
        Member("clean-text.docx", writer("docx").render(model), "The clean text (Word)."),
        Member("redline.pdf", pdf.render(redline, waiting=waiting), f"{redline.what} (PDF)."),
        Member("redline.docx", writer("docx").render(redline), f"{redline.what} (Word)."),
        Member(
            "reservations.docx",
            reservations_docx(model, entries),
            "The reservations for the record (Word).",
        ),
        Member(
            "record.docx",
            record_docx(model, record, entries),
            "The record of the process (Word).",
        ),
    ]
    manifest = {
        "format": FORMAT,
        "document": {
            "id": document.pk,
            "slug": document.slug,
            "title": model.cover.title,
            "status": model.cover.status,
        },
        "text": {
            "label": point.label,
            "moment": _iso(point.when),
            "document_history_id": document_history_id,
        },
        "text_digest": {
            "algorithm": "sha256",
            "value": digest,
            "definition": TEXT_DIGEST_DEFINITION,
        },
        "redline": {"from": since.label, "version": since_version},
        "built_by": {"username": by.get_username(), "name": str(person(by))},
        "built_at": _iso(built_at),
        "files": [
            {"name": m.name, "sha256": sha256(m.content), "size": len(m.content), "what": m.what}
            for m in members
        ],
        "reservations": entries,
        "record": record,
    }
    content = _zip(members, manifest, built_at)
    return Built(content, sha256(content), digest, manifest)


def _zip(members: list[Member], manifest: dict, built_at: datetime) -> bytes:
    stamp = timezone.localtime(built_at).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        blob = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        for name, data in [(MANIFEST, blob), *((m.name, m.content) for m in members)]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# --- checking a downloaded package ----------------------------------------------------


class NotAPackage(ValueError):
    """The file is not an adoption package; the message says what it is not, in words."""


@dataclass
class Verdict:
    package: AdoptionPackage | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.package is not None and not self.problems


def read(data: bytes) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the files of a package ZIP; NotAPackage if it is none."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        for info in infos:
            if info.file_size > MAX_MEMBER_BYTES:
                raise NotAPackage(f"{info.filename} is far larger than any package file.")
        files = {info.filename: archive.read(info) for info in infos if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as error:
        if isinstance(error, NotAPackage):
            raise
        raise NotAPackage("This file is not a ZIP file (or it is damaged).") from None
    if MANIFEST not in files:
        raise NotAPackage(f"This ZIP holds no {MANIFEST}: it is not an adoption package.")
    try:
        manifest = json.loads(files.pop(MANIFEST))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise NotAPackage(f"The {MANIFEST} in this ZIP is not JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise NotAPackage(f"The {MANIFEST} in this ZIP is not an adoption package's.")
    return manifest, files


def verify(data: bytes) -> Verdict:
    """Check a downloaded package against the stored record and the history.

    In order: the ZIP's digest is that of a stored package; every file matches
    the manifest (digest and size), none is missing or added; the manifest's
    text digest is the stored one and that of clean-text.md; the clean text
    rebuilt from history at the package's moment has the stored digest. Raises
    NotAPackage for a file that is not a package at all (not a ZIP, no manifest).
    """
    manifest, files = read(data)
    digest = sha256(data)
    package = AdoptionPackage.objects.select_related("document").filter(zip_digest=digest).first()
    verdict = Verdict(package)
    if package is None:
        verdict.problems.append(
            f"The ZIP's SHA-256 ({digest}) is not that of any stored adoption package: "
            "it was changed after it was downloaded, or it was not built here."
        )
        package = _package_named_by(manifest)
        if package is not None:
            verdict.notes.append(
                f"Its manifest names the package of “{package.document}” built at "
                f"{package.built_at.isoformat()}; compared with that one below."
            )
    _check_files(manifest, files, verdict)
    claimed = (manifest.get("text_digest") or {}).get("value")
    if CLEAN_MD in files and sha256(files[CLEAN_MD]) != claimed:
        verdict.problems.append(f"{CLEAN_MD} does not have the text digest the manifest states.")
    if package is not None:
        if claimed != package.text_digest:
            verdict.problems.append(
                f"The manifest states the text digest {claimed}; the stored record says "
                f"{package.text_digest}."
            )
        stored_files = {f["name"]: f["sha256"] for f in package.manifest["files"]}
        listed = {f.get("name"): f.get("sha256") for f in manifest.get("files", [])}
        for name in sorted(set(stored_files) | set(listed)):
            if stored_files.get(name) != listed.get(name):
                verdict.problems.append(
                    f"The manifest's entry for {name} differs from the stored one."
                )
        from drafting.actions.exports import point_from

        rebuilt = text_digest_at(package.document, point_from(package.point))
        if rebuilt != package.text_digest:
            verdict.problems.append(
                "The clean text rebuilt from the history at the package's moment has the digest "
                f"{rebuilt}, not the stored {package.text_digest}: the history or a name on "
                "the cover (a delegation, a meeting) has changed since."
            )
    return verdict


def _package_named_by(manifest: dict) -> AdoptionPackage | None:
    document = manifest.get("document") or {}
    built_at = manifest.get("built_at")
    if not isinstance(document, dict) or not isinstance(built_at, str):
        return None
    try:
        when = datetime.fromisoformat(built_at)
    except ValueError:
        return None
    return (
        AdoptionPackage.objects.select_related("document")
        .filter(document_id=document.get("id") if isinstance(document.get("id"), int) else 0)
        .filter(built_at=when)
        .first()
    )


def _check_files(manifest: dict, files: dict[str, bytes], verdict: Verdict) -> None:
    listed = manifest.get("files")
    if not isinstance(listed, list):
        verdict.problems.append("The manifest lists no files.")
        return
    names = set()
    for entry in listed:
        if not isinstance(entry, dict):
            verdict.problems.append("The manifest's list of files is damaged.")
            continue
        name = str(entry.get("name"))
        names.add(name)
        if name not in files:
            verdict.problems.append(f"{name} is listed in the manifest but missing from the ZIP.")
            continue
        if sha256(files[name]) != entry.get("sha256"):
            verdict.problems.append(
                f"{name} differs from the manifest (its SHA-256 does not match)."
            )
        elif len(files[name]) != entry.get("size"):
            verdict.problems.append(f"{name} differs from the manifest (its size does not match).")
    for extra in sorted(set(files) - names):
        verdict.problems.append(f"{extra} is in the ZIP but not in the manifest.")

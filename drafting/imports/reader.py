"""Reading a Word or Markdown file into pandoc's JSON AST, refusing bad files in words.

pandoc (the ``pypandoc-binary`` wheel, which ships its own pandoc) does the
reading; python-docx fills the one gap pandoc leaves: labels and section
numbers that exist only in Word's automatic list numbering ("Good Practice %1",
"%1." in upperRoman on a heading). Those numbers are written into the
paragraphs' text before pandoc reads the file, so the rest of the importer sees
them as if they had been typed. Lists in body text stay lists: pandoc keeps
their style ("(a)", "(i)") in the AST.

Word files are read with ``--track-changes=all``: insertions, deletions and
comments arrive as spans naming their author (``drafting.imports.changes``
accepts, rejects or splits them by author).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings

from drafting.imports.changes import has_changes

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A .docx is a zip: refuse one whose parts would unpack to more than this, or that
# packs more than this ratio, before pandoc or python-docx inflates it (a zip bomb).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
KINDS = {".docx": "docx", ".md": "markdown", ".markdown": "markdown", ".txt": "markdown"}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .docx and old .doc files


class ImportRefused(Exception):
    """The file cannot be imported; the message says why in words a secretariat understands."""


@dataclass
class Source:
    """A file read into pandoc's AST.

    ``kind`` is "docx" or "markdown"; ``ast`` pandoc's JSON document;
    ``footnote_labels`` the label of each footnote in reading order when the
    source names them (Markdown ``[^6]``), ``footnote_start`` the number Word
    gives its first footnote (``w:numStart``); ``warnings`` what the reader
    noticed (numbering it turned into text, ...).
    """

    name: str
    kind: str
    ast: dict
    footnote_labels: list[str] = field(default_factory=list)
    footnote_start: int = 1
    warnings: list[str] = field(default_factory=list)
    tracked: bool = False  # whether the file has tracked changes (Word only)


def max_upload_bytes() -> int:
    """The size limit for an imported file, in bytes (setting DRAFTING_MAX_UPLOAD_BYTES)."""
    return int(getattr(settings, "DRAFTING_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def read(name: str, data: bytes) -> Source:
    """Read ``data`` (the bytes of a file called ``name``) into a Source.

    Raises ImportRefused for a file over the size limit, of another kind than
    .docx/.md, a corrupt, password-protected or zip-bomb .docx, or Markdown that
    is not UTF-8 text.
    """
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportRefused(
            f"{name} is {len(data) / 1e6:.1f} MB; files up to {limit / 1e6:.0f} MB can be imported."
        )
    suffix = PurePath(name).suffix.lower()
    kind = KINDS.get(suffix)
    if kind is None:
        raise ImportRefused(
            f"{name} is not a Word (.docx) or Markdown (.md) file; only those can be imported."
        )
    if kind == "docx":
        return _read_docx(name, data)
    return _read_markdown(name, data)


def _pandoc(data: bytes | str, fmt: str, *extra: str) -> tuple[dict, str]:
    """pandoc's JSON AST of ``data`` read as ``fmt``, and the JSON text itself.

    pandoc's readers can take pathological time and memory on crafted input (its
    manual's "A note on security"), so it runs with a heap limit (``+RTS -M``,
    DRAFTING_IMPORT_PANDOC_MEMORY_MB) and is killed after
    DRAFTING_IMPORT_TIMEOUT_SECONDS, well inside a web worker's own timeout.
    Raises ImportRefused when either limit stops it, RuntimeError when pandoc
    refuses the input.
    """
    memory = int(getattr(settings, "DRAFTING_IMPORT_PANDOC_MEMORY_MB", 1024))
    seconds = int(getattr(settings, "DRAFTING_IMPORT_TIMEOUT_SECONDS", 30))
    import pypandoc  # here, not at start-up (the URLconf imports this module)

    command = [pypandoc.get_pandoc_path(), "-f", fmt, "-t", "json", *extra]
    command += ["+RTS", f"-M{memory}m", "-RTS"]
    source = data.encode("utf-8") if isinstance(data, str) else data
    try:
        done = subprocess.run(  # noqa: S603 (our own pandoc, fixed arguments; the file on stdin)
            command, input=source, capture_output=True, timeout=seconds, check=False
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed it
        raise ImportRefused(
            f"Reading this file took longer than {seconds} seconds, so it was stopped. "
            "A draft that is this hard to read is usually damaged or deliberately malformed."
        ) from exc
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip()
        if "Heap exhausted" in error:
            raise ImportRefused(
                f"Reading this file needed more than {memory} MB, so it was stopped. "
                "A draft that needs this much is usually damaged or deliberately malformed."
            )
        raise RuntimeError(error.splitlines()[0] if error else f"pandoc exit {done.returncode}")
    out = done.stdout.decode("utf-8")
    return json.loads(out), out


def _read_markdown(name: str, data: bytes) -> Source:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"{name} is not a Markdown text file (it is not UTF-8 text).") from exc
    if "\x00" in text:
        raise ImportRefused(f"{name} is not a Markdown text file (it contains binary data).")
    # Without fancy_lists, "(a)"/"(i)" stay typed paragraphs: pandoc would otherwise run
    # "(c)" then "(i)" into one lettered list and lose the nesting. structure.py reads them.
    # Without smart, quotes and apostrophes stay as typed: the text round-trips exactly.
    try:
        ast, _ = _pandoc(text, "markdown-fancy_lists-smart")
    except RuntimeError as exc:  # pandoc refused the text
        raise ImportRefused(f"{name} could not be read as Markdown: {exc}") from exc
    # pandoc drops footnote labels; the references in the source, in order, give them back.
    labels = re.findall(r"\[\^([^\]\s]+)\](?!:)", text)
    return Source(name=name, kind="markdown", ast=ast, footnote_labels=labels)


def _repack(name: str, data: bytes) -> bytes:
    """The .docx rebuilt from what its parts really hold, or ImportRefused.

    A zip's directory can lie about the size of its parts: a crafted file that
    claims a few kilobytes can inflate to gigabytes in a reader that trusts the
    compressed stream rather than the directory (pandoc does). Python's reader
    stops at the claimed size and checks the checksum, so every part is read
    here, counting what it really unpacks to, and written again into a new zip
    whose directory is true; pandoc and python-docx read only that.
    """
    if data[:8] == _OLE_MAGIC:
        raise ImportRefused(
            f"{name} is password-protected (or an old .doc file). Save it without a password "
            "as a Word document (.docx) and import it again."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportRefused(
            f"{name} is not a valid Word file (it is damaged or not a .docx)."
        ) from exc
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(len(data), 1):
        raise ImportRefused(
            f"{name} would unpack to {unpacked / 1e6:.0f} MB, far more than a Word draft holds; "
            "it was not opened."
        )
    if "word/document.xml" not in archive.namelist():
        raise ImportRefused(f"{name} is not a valid Word file (it has no document part).")
    too_big = ImportRefused(
        f"{name} unpacks to more than {MAX_UNPACKED_BYTES / 1e6:.0f} MB, far more than a Word "
        "draft holds; it was not opened."
    )
    budget = min(MAX_UNPACKED_BYTES, MAX_RATIO * max(len(data), 1))
    repacked = io.BytesIO()
    try:
        with zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as clean:
            for info in infos:
                if info.is_dir():
                    continue
                with archive.open(info) as part:
                    content = part.read(budget + 1)
                budget -= len(content)
                if budget < 0:
                    raise too_big
                clean.writestr(info.filename, content)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as exc:
        raise ImportRefused(
            f"{name} is not a valid Word file (it is damaged or not a .docx)."
        ) from exc
    return repacked.getvalue()


def _read_docx(name: str, data: bytes) -> Source:
    data = _repack(name, data)
    warnings: list[str] = []
    try:
        data, start = _materialise_numbering(data, warnings)
        ast, out = _pandoc(data, "docx", "--track-changes=all")
    except ImportRefused:
        raise
    except Exception as exc:  # python-docx and pandoc raise many kinds on a damaged file
        raise ImportRefused(f"{name} is not a valid Word file (it is damaged: {exc}).") from exc
    return Source(
        name=name,
        kind="docx",
        ast=ast,
        footnote_start=start,
        warnings=warnings,
        tracked=has_changes(out),
    )


# ---- Word automatic numbering -> text ---------------------------------------------


def _roman(n: int) -> str:
    out = ""
    for value, digits in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out, n = out + digits, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter past z: aa, bb, ...
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """Word's rendering of counter ``n`` in numFmt ``fmt`` (decimal, upperRoman, lowerLetter...)."""
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerLetter":
        return _letters(n)
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = ""
    start: int = 1


def _numbering_levels(doc) -> dict[str, dict[int, _Level]]:
    """numId -> ilvl -> level definition (start overrides applied), from numbering.xml."""
    try:
        root = doc.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return {}
    abstract: dict[str, dict[int, _Level]] = {}
    for an in root.iter(f"{_W}abstractNum"):
        levels = {}
        for lvl in an.iter(f"{_W}lvl"):
            level = _Level()
            for child, attr in (("numFmt", "fmt"), ("lvlText", "text")):
                el = lvl.find(f"{_W}{child}")
                if el is not None:
                    setattr(level, attr, el.get(f"{_W}val", ""))
            start = lvl.find(f"{_W}start")
            if start is not None:
                level.start = int(start.get(f"{_W}val", "1"))
            levels[int(lvl.get(f"{_W}ilvl", "0"))] = level
        abstract[an.get(f"{_W}abstractNumId")] = levels
    nums = {}
    for num in root.iter(f"{_W}num"):
        ref = num.find(f"{_W}abstractNumId")
        base = abstract.get(ref.get(f"{_W}val") if ref is not None else "", {})
        levels = {k: _Level(v.fmt, v.text, v.start) for k, v in base.items()}
        for override in num.iter(f"{_W}lvlOverride"):
            so = override.find(f"{_W}startOverride")
            ilvl = int(override.get(f"{_W}ilvl", "0"))
            if so is not None and ilvl in levels:
                levels[ilvl].start = int(so.get(f"{_W}val", "1"))
        nums[num.get(f"{_W}numId")] = levels
    return nums


def _style_numbering(doc) -> dict[str, tuple[tuple[str, int] | None, bool]]:
    """styleId -> (its numbering through the based-on chain, whether it is a heading style)."""
    from docx.oxml.ns import qn

    raw: dict[str, tuple[object, str | None, str]] = {}
    for st in doc.styles.element.iter(qn("w:style")):
        sid = st.get(qn("w:styleId"))
        ppr = st.find(qn("w:pPr"))
        based = st.find(qn("w:basedOn"))
        name = st.find(qn("w:name"))
        raw[sid] = (
            ppr.find(qn("w:numPr")) if ppr is not None else None,
            based.get(qn("w:val")) if based is not None else None,
            (name.get(qn("w:val")) if name is not None else sid or "").lower(),
        )

    def resolve(sid: str | None, seen: set) -> tuple[str, int] | None:
        while sid and sid in raw and sid not in seen:
            seen.add(sid)
            num_pr, based, _ = raw[sid]
            found = _read_num_pr(num_pr)
            if found:
                return found
            sid = based
        return None

    return {
        sid: (resolve(sid, set()), name.startswith("heading") or name in ("title", "subtitle"))
        for sid, (_, _, name) in raw.items()
    }


def _read_num_pr(num_pr) -> tuple[str, int] | None:
    if num_pr is None:
        return None
    num_id = num_pr.find(f"{_W}numId")
    if num_id is None:
        return None
    ilvl = num_pr.find(f"{_W}ilvl")
    return num_id.get(f"{_W}val"), int(ilvl.get(f"{_W}val")) if ilvl is not None else 0


def _materialise_numbering(data: bytes, warnings: list[str]) -> tuple[bytes, int]:
    """Write numbers that exist only as Word numbering into heading and label text.

    A paragraph's number is written as text when the paragraph is a heading or
    its level's text has words ("Good Practice %1"): pandoc drops those
    numbers. Body lists ("(%1)") are left to pandoc, which keeps them as lists.
    Returns the file's bytes (unchanged when nothing was numbered) and the
    number of the first footnote (``w:numStart``, 1 if unset).
    """
    import docx  # python-docx; imported here so Markdown imports do not load it
    from docx.oxml.ns import qn

    doc = docx.Document(io.BytesIO(data))
    body = doc.element.body
    start = 1
    for el in body.iter(qn("w:footnotePr")):
        ns = el.find(qn("w:numStart"))
        if ns is not None:
            start = int(ns.get(qn("w:val"), "1"))
    levels = _numbering_levels(doc)
    if not levels:
        return data, start
    styles = _style_numbering(doc)
    counters: dict[str, dict[int, int]] = {}
    changed = 0
    for p in body.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        style_id = None
        direct = None
        if ppr is not None:
            ps = ppr.find(qn("w:pStyle"))
            style_id = ps.get(qn("w:val")) if ps is not None else None
            direct = _read_num_pr(ppr.find(qn("w:numPr")))
        by_style, heading = styles.get(style_id, (None, False)) if style_id else (None, False)
        found = direct or by_style
        if found is None or found[0] == "0" or found[0] not in levels:
            continue
        num_id, ilvl = found
        defs = levels[num_id]
        level = defs.get(ilvl)
        if level is None or level.fmt in ("bullet", "none"):
            continue
        count = counters.setdefault(num_id, {})
        count[ilvl] = count.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in count if k > ilvl]:
            del count[deeper]
        wordy = re.search(r"[A-Za-z]", re.sub(r"%\d", "", level.text)) is not None
        if not (wordy or heading):
            continue

        def number(m: re.Match, defs=defs, count=count) -> str:
            lv = int(m.group(1)) - 1
            return format_number(count.get(lv, defs.get(lv, _Level()).start), defs[lv].fmt)

        label = re.sub(r"%(\d)", number, level.text).strip()
        if not label:
            continue
        has_text = any((t.text or "").strip() for t in p.iter(qn("w:t")))
        run = p.makeelement(qn("w:r"), {})
        t = run.makeelement(qn("w:t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
        t.text = label + (" " if has_text else "")
        run.append(t)
        # The label goes before the paragraph's first run (after its properties).
        p.insert(1 if ppr is not None else 0, run)
        if ppr is None:
            ppr = p.get_or_add_pPr()
        old = ppr.find(qn("w:numPr"))
        if old is not None:
            ppr.remove(old)
        if by_style is not None:
            # The style would still number it; numId 0 switches numbering off.
            off = ppr.makeelement(qn("w:numPr"), {})
            off.append(off.makeelement(qn("w:numId"), {qn("w:val"): "0"}))
            ppr.append(off)
        changed += 1
    if not changed:
        return data, start
    warnings.append(
        f"{changed} label(s) or section number(s) existed only as Word list numbering; "
        "they were read from the numbering and kept as text."
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), start

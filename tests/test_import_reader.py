"""Reading Word and Markdown drafts: each fixture file gives the structure in its expected.json.

The fixtures (tests/fixtures/import/, copied from the shared set with their
README) are three drafts, each as Markdown, a careful Word file, a messy Word
file (typed bold labels, typed footnotes, tracked changes, comments, a status
table under the title) and a Word file whose labels exist only in list
numbering. Texts are compared with whitespace collapsed, as the README says.
"""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from drafting import text
from drafting.imports import changes, plan, reader, schema, structure

FIXTURES = Path(__file__).parent / "fixtures" / "import"
STEMS = sorted(p.name[: -len(".expected.json")] for p in FIXTURES.glob("*.expected.json"))
VARIANTS = ["md", "pandoc.docx", "messy.docx", "autonum.docx"]
# Fields of expected.json that describe the fixture rather than what an importer finds.
NOT_COMPARED = {"variants", "label_like_mentions", "source", "schema"}


def _norm(value):
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value.replace("\u00a0", " ")).strip()
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return value


def _differences(got, want, path="") -> list[str]:
    """Where ``got`` differs from ``want``, for every field ``want`` names."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for key in want:
            if key in NOT_COMPARED:
                continue
            if key not in got:
                out.append(f"{path}.{key} missing")
            else:
                out += _differences(got[key], want[key], f"{path}.{key}")
        return out
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in _differences(g, w, f"{path}[{i}]")
        ]
    if _norm(got) != _norm(want):
        return [f"{path}: found {str(got)[:120]!r}, expected {str(want)[:120]!r}"]
    return []


def _expected(stem: str) -> dict:
    return json.loads((FIXTURES / f"{stem}.expected.json").read_text(encoding="utf-8"))


def _read(name: str, decide=changes.reject_all) -> dict:
    source = reader.read(name, (FIXTURES / name).read_bytes())
    return schema.as_fixture(structure.recognise(source, decide(source.ast)))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("stem", STEMS)
def test_every_fixture_file_gives_the_expected_structure(stem, variant):
    # Rejecting all tracked changes gives the text the Markdown file holds (README).
    found = _read(f"{stem}.{variant}")
    assert found["schema"] == "drafting-import-fixture/1"
    assert _differences(found, _expected(stem)) == []


@pytest.mark.parametrize("stem", STEMS)
def test_accepting_all_changes_gives_the_labels_and_footnotes_word_would(stem):
    messy = _expected(stem)["variants"]["messy.docx"]
    found = _read(messy["file"], changes.accept_all)
    assert [p["label"] for p in found["practices"]] == messy["accept_all"]["labels"]
    assert found["footnotes"]["total"] == messy["accept_all"]["footnotes"]


def _texts(source, ast) -> set[str]:
    """Every paragraph, sub-item ("(b) text"), lead and footnote paragraph the reader sees."""
    doc = structure.recognise(source, ast)
    parts = doc.intro + [p for s in doc.sections for p in s.intro]
    out = {schema.plain(p.lead) for p in doc.practices}
    for part in parts + [x for p in doc.practices for x in p.parts]:
        out.add(schema._part_text(part))
    out |= {schema.plain(par) for n in doc.notes.values() for par in n.paragraphs}
    return {_norm(t) for t in out}


@pytest.mark.parametrize("stem", STEMS)
def test_each_authors_tracked_changes_apply_alone(stem):
    # How a delegation's changes become its amendment: its changes applied, no one else's.
    messy = _expected(stem)["variants"]["messy.docx"]
    source = reader.read(messy["file"], (FIXTURES / messy["file"]).read_bytes())
    assert {c["author"] for c in messy["tracked_changes"]} <= set(changes.authors(source.ast))
    rejected = _texts(source, changes.reject_all(source.ast))
    for change in messy["tracked_changes"]:
        if change["kind"] in ("insert practice", "delete practice"):
            continue
        alone = _texts(source, changes.only(source.ast, change["author"]))
        assert _norm(change["accept"]) in alone, change["where"]
        assert _norm(change["reject"]) in rejected, change["where"]


@pytest.mark.parametrize("stem", STEMS)
def test_word_comments_are_attached_to_their_practice_with_author(stem):
    messy = _expected(stem)["variants"]["messy.docx"]
    found = _read(messy["file"])
    comments = [
        (p["label"], c["author"], c["text"]) for p in found["practices"] for c in p["comments"]
    ]
    assert sorted(comments) == sorted(
        (c["where"].split(",")[0], c["author"], c["text"]) for c in messy["comments"]
    )


@pytest.mark.parametrize("stem", STEMS)
def test_status_table_under_the_title_is_left_out_with_its_reason(stem):
    found = _read(f"{stem}.messy.docx")
    assert len(found["left_out"]) == 1
    assert "not part of the text" in found["left_out"][0]["reason"]


@pytest.mark.parametrize("stem", STEMS)
def test_practice_bodies_are_valid_text_with_their_footnotes(stem):
    source = reader.read(f"{stem}.md", (FIXTURES / f"{stem}.md").read_bytes())
    doc = structure.recognise(source, source.ast)
    for practice in doc.practices:
        lead_notes = schema.notes_in(practice.lead)
        body = schema.parts_markdown(practice.parts, doc.notes, lead_notes=lead_notes)
        assert text.problems(body) == []
        for n in lead_notes + [n for p in practice.parts for n in schema.notes_in(p.runs)]:
            assert f"[^{n}]:" in body
    # "[should][may]"-style brackets and asterisks stay literal text.
    assert (
        schema.inline_markdown([structure.Run("[should][may] *x*")]) == r"\[should\]\[may\] \*x\*"
    )


def test_a_plain_paragraph_starting_with_a_label_is_not_a_practice():
    md = (
        "# T\n\n## I. Part\n\n### Good Practice 1\n\n**Lead one.**\n\n"
        "Good Practice 4 applies here too.\n\n**Good Practice 9 of the other text is bold.**\n\n"
        "### Good Practice 2\n\n**Lead two.**\n\nBody.\n"
    )
    found = schema.as_fixture(structure.recognise(*_md_source(md)))
    assert [p["label"] for p in found["practices"]] == ["Good Practice 1", "Good Practice 2"]
    assert found["practices"][0]["paragraphs"] == 2


def test_bis_labels_and_recommendations_are_recognised():
    md = (
        "# T\n\n**Recommendation 7:** **Lead.**\n\n"
        "**Recommendation 7 bis – Another lead.**\n\nBody.\n"
    )
    found = schema.as_fixture(structure.recognise(*_md_source(md)))
    assert found["label_term"] == "Recommendation"
    assert [(p["label"], p["number"], p["lead"]) for p in found["practices"]] == [
        ("Recommendation 7", 7, "Lead."),
        ("Recommendation 7 bis", None, "Another lead."),
    ]


def _md_source(md: str):
    source = reader.read("x.md", md.encode())
    return source, source.ast


def test_a_file_without_any_practice_says_so():
    found = schema.as_fixture(structure.recognise(*_md_source("# Title\n\nJust prose.\n")))
    assert found["practice_count"] == 0
    assert any("No practice was found" in w for w in found["warnings"])


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("draft.pdf", b"%PDF-1.7", "not a Word (.docx) or Markdown (.md) file"),
        ("draft.docx", b"PK\x03\x04 not really a zip", "not a valid Word file"),
        ("draft.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "password-protected"),
        ("draft.docx", _zip({"word/document.xml": b"\0" * (50 * 1024 * 1024)}), "unpack"),
        ("draft.docx", _zip({"hello.txt": b"hi"}), "not a valid Word file"),
        ("draft.md", b"\xff\xfe\x00b\x00i\x00n", "not a Markdown text file"),
    ],
)
def test_bad_files_are_refused_in_words(name, data, says):
    with pytest.raises(reader.ImportRefused, match=re.escape(says)):
        reader.read(name, data)


def test_files_over_the_size_limit_are_refused(settings):
    settings.DRAFTING_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(reader.ImportRefused, match="files up to"):
        reader.read("big.md", b"x" * 1001)


_PIECES = [
    "# ",
    "## ",
    "### ",
    "Good Practice 3",
    "Recommendation 2 bis",
    "**",
    "*",
    ":",
    " – ",
    "(a)",
    "(i)",
    "(iv)",
    "[^1]",
    "[^1]: note",
    "    more",
    "| a | b |",
    "| --- | --- |",
    "Notes",
    "1 A note.",
    "<b>x</b>",
    "[link](javascript:alert(1))",
    "Introduction",
    "IV. Part",
    "\u00a0",
    "\t",
    "text ",
    "\n",
    "\n\n",
]


@pytest.mark.parametrize("seed", range(40))
def test_any_markdown_is_read_or_refused_in_words_never_crashes(seed):
    import random

    rng = random.Random(seed)
    md = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 120)))
    source = reader.read("fuzz.md", md.encode())
    for mode in ("reject", "accept", "amendments"):
        found = plan.make_plan(source, mode=mode)
        for section in found.sections:
            assert text.problems(section.introduction) == []
            for practice in section.practices:
                assert practice.heading.strip()
                assert text.problems(practice.body) == []
        json.dumps(found.structure)  # the --json output can always be written


@pytest.mark.parametrize("cut", [10, 100, 1000, 5000, -200, -20])
def test_a_damaged_word_file_is_refused_in_words(cut):
    data = (FIXTURES / "tarrow-schools-extract.messy.docx").read_bytes()
    damaged = data[:cut] if cut > 0 else data[:cut] + b"\0" * 10
    try:
        source = reader.read("damaged.docx", damaged)
    except reader.ImportRefused as exc:
        assert "damaged.docx" in str(exc)
    else:  # zip readers may still find every part: then it reads as the whole file does
        assert plan.make_plan(source).practice_count == 4


def test_bold_lines_before_labels_are_sections_even_without_numbers():
    md = (
        "**The Draft**\n\nIntro text.\n\n**Prevention**\n\n**Good Practice 1: Lead one.**\n\n"
        "Body with a **bold phrase** inside.\n\n**Detection**\n\n**Good Practice 2**\n\n"
        "**Lead two.**\n\nBody two.\n"
    )
    found = schema.as_fixture(structure.recognise(*_md_source(md)))
    assert found["title"] == "The Draft"
    assert [s["heading"] for s in found["sections"]] == ["Prevention", "Detection"]
    assert [(p["label"], p["lead"], p["section"]) for p in found["practices"]] == [
        ("Good Practice 1", "Lead one.", 0),
        ("Good Practice 2", "Lead two.", 1),
    ]


def test_a_label_and_lead_in_one_heading_and_capitals_are_read():
    md = "# Title\n\n## A. Part\n\n### GOOD PRACTICE 3 – Keep the lead.\n\nBody.\n"
    found = schema.as_fixture(structure.recognise(*_md_source(md)))
    assert [(p["label"], p["number"], p["lead"]) for p in found["practices"]] == [
        ("GOOD PRACTICE 3", 3, "Keep the lead.")
    ]
    assert found["sections"][0]["number"] == "A"


def _lying_bomb(padding: int) -> bytes:
    """A real .docx whose document part inflates to ``padding`` more bytes than its
    zip directory (size and checksum) admits: a reader that trusts the directory
    sees the draft, one that inflates the stream gets the padding as well."""
    source = zipfile.ZipFile(FIXTURES / "vessen-addendum-returns.pandoc.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                real = data
                packed = zipfile.ZipInfo(info.filename)
                packed.compress_type = zipfile.ZIP_DEFLATED
                with bomb.open(packed, "w") as part:
                    part.write(data + b" " * padding)
            else:
                bomb.writestr(info, data)
    raw = bytearray(out.getvalue())
    name, crc = b"word/document.xml", zlib.crc32(real) & 0xFFFFFFFF
    # Central directory (crc at +16, size at +24) and local header (crc +14, size +22).
    for signature, name_len_at, name_at, crc_at, size_at in (
        (b"PK\x01\x02", 28, 46, 16, 24),
        (b"PK\x03\x04", 26, 30, 14, 22),
    ):
        at = raw.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", raw, at + name_len_at)[0]
            if bytes(raw[at + name_at : at + name_at + length]) == name:
                struct.pack_into("<I", raw, at + crc_at, crc)
                struct.pack_into("<I", raw, at + size_at, len(real))
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_a_docx_whose_directory_lies_about_sizes_reaches_pandoc_only_as_it_claims(monkeypatch):
    """The probe's bomb: 1.5 MB claiming kilobytes, 5.3 GB in pandoc. What pandoc gets
    now is the repacked file, whose parts are exactly what the directory admits."""
    bomb = _lying_bomb(20 * 1024 * 1024)
    assert len(bomb) < 200_000
    seen: list[int] = []
    real_pandoc = reader._pandoc

    def measuring(data, fmt, *extra):
        # Inflate each part's stream as pandoc does, whatever the directory says.
        with zipfile.ZipFile(io.BytesIO(data)) as given:
            total = 0
            for info in given.infolist():
                name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
                start = info.header_offset + 30 + name_len + extra_len
                raw = data[start : start + info.compress_size]
                stored = info.compress_type == zipfile.ZIP_STORED
                total += len(raw if stored else zlib.decompressobj(-15).decompress(raw))
            seen.append(total)
        return real_pandoc(data, fmt, *extra)

    monkeypatch.setattr(reader, "_pandoc", measuring)
    source = reader.read("bomb.docx", bomb)
    assert seen and seen[0] < 1024 * 1024  # not the 20 MB of padding
    assert plan.make_plan(source).practice_count > 0  # the draft it claims to be


def test_pandoc_that_needs_too_much_memory_is_stopped_in_words(settings):
    settings.DRAFTING_IMPORT_PANDOC_MEMORY_MB = 64
    nested = "# T\n\n## A. Part\n\n### Good Practice 1\n\n" + "[" * 200_000 + "x\n"
    with pytest.raises(reader.ImportRefused, match="needed more than 64 MB"):
        reader.read("brackets.md", nested.encode())


def test_pandoc_that_runs_too_long_is_stopped_in_words(settings, monkeypatch):
    settings.DRAFTING_IMPORT_TIMEOUT_SECONDS = 7
    calls = []

    def run(command, **kwargs):
        calls.append(kwargs["timeout"])
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(reader.subprocess, "run", run)
    with pytest.raises(reader.ImportRefused, match="longer than 7 seconds"):
        reader.read("slow.md", b"# T\n")
    assert calls == [7]

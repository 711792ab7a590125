"""The Word file's contents shows page numbers when it is opened (issue 17).

Word is asked to update fields on open (settings.xml); each contents line is the
section's title, a link to a bookmark on its heading and a PAGEREF field, which
LibreOffice computes when it lays the file out. The LibreOffice test converts the
exported file with ``soffice`` and reads the PDF's contents page back: it needs
LibreOffice installed (.ci/run installs it) and fails, saying so, where it is not.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import docx as python_docx
import pytest
from pypdf import PdfReader

from drafting.export import export
from tests.conftest import make_document, make_practice, make_section

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TITLES = ["Prevention", "Detection and early warning", "Intervention", "Response"]
INSTALL = "apt-get install -y --no-install-recommends libreoffice-writer-nogui"


def _document(by):
    """Four sections of several pages each, and an introduction."""
    document = make_document(by=by, sections=0, introduction="Why these practices exist.")
    long_body = "\n\n".join(["Words of the explanatory text that fill a page. " * 40] * 3)
    for title in TITLES:
        section = make_section(document, by=by, title=title, introduction="Opening words.")
        for n in range(1, 5):
            make_practice(section, by=by, heading=f"Lead sentence {n}.", body=long_body)
    return document


def _part(content: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return package.read(name).decode()


def test_word_is_asked_to_update_fields_on_open(secretariat):
    content = export(_document(secretariat), "docx").content
    settings = _part(content, "word/settings.xml")
    assert '<w:updateFields w:val="true"/>' in settings
    # In CT_Settings' order: before footnotePr / compat, or Word calls the file corrupt.
    assert settings.index("<w:updateFields") < settings.index("<w:compat")


def test_contents_lines_name_each_section_and_point_at_its_heading(secretariat):
    content = export(_document(secretariat), "docx").content
    word = python_docx.Document(io.BytesIO(content))
    body = word.element.body
    bookmarks = {
        b.get(f"{W}name"): b.getparent() for b in body.iter(f"{W}bookmarkStart")
    }  # name -> the paragraph holding it
    lines = [
        p
        for p in body.iter(f"{W}p")
        if any("PAGEREF" in (t.text or "") for t in p.iter(f"{W}instrText"))
    ]
    # The titles are in the file as text: a reader that updates nothing still lists them.
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in lines]
    assert texts == ["Introduction", *TITLES]
    for line, title in zip(lines, ["Introduction", *TITLES], strict=True):
        anchor = line.find(f"{W}hyperlink").get(f"{W}anchor")
        (instr,) = [t.text for t in line.iter(f"{W}instrText")]
        assert instr.split()[:2] == ["PAGEREF", anchor]
        heading = bookmarks[anchor]
        assert heading.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Heading1"
        assert "".join(t.text or "" for t in heading.iter(f"{W}t")) == title


@pytest.fixture
def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.fail(
            "LibreOffice (soffice) is needed to check the Word export's contents as "
            f"LibreOffice lays it out; install it: {INSTALL} (.ci/run does)."
        )
    return path


@pytest.mark.requires_soffice
def test_libreoffice_shows_a_page_number_after_each_section_title(secretariat, soffice, tmp_path):
    (tmp_path / "export.docx").write_bytes(export(_document(secretariat), "docx").content)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "export.docx"),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert (tmp_path / "export.pdf").exists(), done.stderr.decode() or done.stdout.decode()
    pages = [page.extract_text() or "" for page in PdfReader(tmp_path / "export.pdf").pages]
    contents = next(text for text in pages if "Contents" in text)
    for title in ["Introduction", *TITLES]:
        found = re.search(rf"^{re.escape(title)}[ .…]*(\d+)\s*$", contents, re.M)
        assert found, f"no page number after {title!r} in the contents:\n{contents}"
        # The number is the page the section starts on (the cover is page 1).
        assert title in pages[int(found.group(1)) - 1], title

"""The practice editor for experts who do not know Markdown, in a real browser (issues 17, 12).

Toolbar buttons and keyboard shortcuts write the text format and the live preview shows
the result; Enter continues a list or an (a)/(b) series; HTML pasted from Word becomes
lists, bold, italics and paragraphs; the toolbar works from the keyboard alone; the
preview sits beside the text on a wide screen and under it on a phone.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from drafting.models import Practice
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def word_item(marker: str, words: str, *, lst: int, level: int = 1, font: str = "") -> str:
    """One list paragraph as Word puts it on the clipboard: the typed marker in a span
    Word asks others to ignore, between conditional comments, in the bullet's font."""
    style = f" style='font-family:{font}'" if font else ""
    spaces = "&nbsp;" * 6
    return (
        f"<p class=MsoListParagraphCxSpMiddle style='text-indent:-18.0pt;"
        f"mso-list:l{lst} level{level} lfo1'><![if !supportLists]><span{style}>"
        f"<span style='mso-list:Ignore'>{marker}<span style='font:7.0pt \"Times New Roman\"'>"
        f"{spaces} </span></span></span><![endif]>{words}<o:p></o:p></p>\n"
    )


# A Word clipboard, as Word for Windows puts it there (trimmed): list paragraphs, Office
# tags, a style sheet, an empty paragraph, an image, a heading.
WORD_HTML = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
    "<style>p.MsoNormal {margin:0cm;} p.MsoListParagraph {margin-left:36pt;}</style></head>"
    "<body lang=EN-GB><!--StartFragment-->\n"
    "<p class=MsoNormal>Schools should <b>always</b> name a lead and <i>write it down</i>."
    "<o:p></o:p></p>\n"
    "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
    "<p class=MsoNormal>The procedure should:<o:p></o:p></p>\n"
    + word_item("·", "name the lead", lst=0, font="Symbol")
    + word_item("·", "explain the <b>referral</b> route", lst=0, font="Symbol")
    + word_item("o", "within the school", lst=0, level=2, font='"Courier New"')
    + '<p class=MsoNormal><img width=20 height=20 src="file:///C:/x/clip_image001.png">'
    "Review it each year.<o:p></o:p></p>\n"
    + word_item("1.", "First step", lst=1)
    + word_item("2.", "Second step", lst=1)
    + word_item("(a)", "state the purpose;", lst=2)
    + word_item("(b)", "record it.", lst=2)
    + "<h2>Why it matters</h2>\n<!--EndFragment--></body></html>"
)

WORD_MARKDOWN = (
    "Schools should **always** name a lead and *write it down*.\n\n"
    "The procedure should:\n\n"
    "- name the lead\n"
    "- explain the **referral** route\n"
    "  - within the school\n\n"
    "Review it each year.\n\n"
    "1. First step\n"
    "2. Second step\n\n"
    "(a) state the purpose;\n\n"
    "(b) record it.\n\n"
    "**Why it matters**"
)


def open_editor(page_for, live_server, expert, secretariat, *, viewport=None):
    """An expert's editor on a practice in drafting: (page, article, textarea)."""
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    page = page_for(expert, viewport=viewport)
    page.goto(live_server.url + practice.section.get_absolute_url())
    article = page.locator(f"#practice-{practice.pk}")
    article.get_by_role("link", name="Edit").click()
    body = page.locator(f"#practice-{practice.pk}.editing textarea[name=body]")
    expect(body).to_be_visible()
    return page, page.locator(f"#practice-{practice.pk}"), body


def paste(body, html: str | None, plain: str = "") -> bool:
    """Dispatch a paste of ``html`` (and ``plain``) into the textarea; True if the page took it."""
    return body.evaluate(
        """(el, [html, plain]) => {
            const data = new DataTransfer();
            if (html !== null) data.setData("text/html", html);
            if (plain) data.setData("text/plain", plain);
            const event = new ClipboardEvent(
                "paste", {clipboardData: data, bubbles: true, cancelable: true});
            el.dispatchEvent(event);
            return event.defaultPrevented;
        }""",
        [html, plain],
    )


def select(body, start: int, end: int) -> None:
    body.evaluate("(el, [a, b]) => { el.focus(); el.setSelectionRange(a, b); }", [start, end])


def caret_at_end(body) -> None:
    body.evaluate("el => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); }")


def button(article, name: str):
    return article.get_by_role("toolbar", name="Formatting").get_by_role(
        "button", name=name, exact=True
    )


def test_each_toolbar_button_writes_the_text_format_and_the_preview_shows_it(
    page_for, live_server, expert, secretariat
):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    preview = article.locator(".preview")

    # Bold wraps the selection; bold on bold text removes it. Italic likewise.
    body.fill("Families notice first.")
    select(body, 9, 15)
    button(article, "Bold").click()
    expect(body).to_have_value("Families **notice** first.")
    expect(preview.locator("strong")).to_have_text("notice")
    button(article, "Bold").click()
    expect(body).to_have_value("Families notice first.")
    expect(preview.locator("strong")).to_have_count(0)
    select(body, 16, 21)
    button(article, "Italic").click()
    expect(body).to_have_value("Families notice *first*.")
    expect(preview.locator("em")).to_have_text("first")
    select(body, 16, 23)  # the markers inside the selection this time
    expect(body).to_have_value("Families notice *first*.")
    button(article, "Italic").click()
    expect(body).to_have_value("Families notice first.")

    # Lists work on whole lines.
    body.fill("Name a lead\nWrite it down")
    select(body, 0, 25)
    button(article, "Bullet list").click()
    expect(body).to_have_value("- Name a lead\n- Write it down")
    expect(preview.locator("ul li")).to_have_text(["Name a lead", "Write it down"])
    button(article, "Numbered list").click()
    expect(body).to_have_value("1. Name a lead\n2. Write it down")
    expect(preview.locator("ol li")).to_have_text(["Name a lead", "Write it down"])
    button(article, "Lettered sub-items (a), (b)").click()
    expect(body).to_have_value("(a) Name a lead\n\n(b) Write it down")
    expect(preview).to_contain_text("(a) Name a lead")
    expect(preview).to_contain_text("(b) Write it down")
    button(article, "Lettered sub-items (a), (b)").click()
    expect(body).to_have_value("Name a lead\n\nWrite it down")

    # A link: the address is asked for under the toolbar; the selection becomes its words.
    body.fill("See the survey.")
    select(body, 8, 14)
    button(article, "Link").click()
    address = article.get_by_label("Link address")
    expect(address).to_be_focused()
    address.fill("www.example.org/survey")
    address.press("Enter")
    expect(body).to_have_value("See the [survey](https://www.example.org/survey).")
    expect(preview.locator("a")).to_have_attribute("href", "https://www.example.org/survey")
    expect(body).to_be_focused()

    # A table goes on lines of its own after the cursor's line.
    body.fill("Before the table.")
    caret_at_end(body)
    button(article, "Table").click()
    rows = "| --- | --- |\n| Text | Text |\n| Text | Text |"
    expect(body).to_have_value("Before the table.\n\n| Column 1 | Column 2 |\n" + rows)
    expect(preview).to_contain_text("Column 1")
    # The first header cell is selected, ready to be typed over.
    page.keyboard.type("Measure")
    expect(body).to_have_value("Before the table.\n\n| Measure | Column 2 |\n" + rows)

    # Footnote (the flow is tested in test_editing_browser): its button is still here.
    expect(button(article, "Footnote")).to_have_attribute("title", "Footnote (Ctrl+Alt+F)")
    # Every button says its shortcut in its title.
    expect(button(article, "Bold")).to_have_attribute("title", "Bold (Ctrl+B)")
    expect(button(article, "Link")).to_have_attribute("title", "Link (Ctrl+K)")


def test_keyboard_shortcuts_and_undo(page_for, live_server, expert, secretariat):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    preview = article.locator(".preview")
    body.fill("Engage families early.")
    select(body, 7, 15)
    page.keyboard.press("Control+b")
    expect(body).to_have_value("Engage **families** early.")
    expect(preview.locator("strong")).to_have_text("families")
    # A toolbar step is one step for Ctrl+Z.
    page.keyboard.press("Control+z")
    expect(body).to_have_value("Engage families early.")
    select(body, 16, 21)
    page.keyboard.press("Control+i")
    expect(body).to_have_value("Engage families *early*.")
    page.keyboard.press("Control+i")
    expect(body).to_have_value("Engage families early.")

    select(body, 7, 15)
    page.keyboard.press("Control+k")
    address = article.get_by_label("Link address")
    expect(address).to_be_focused()
    address.fill("https://example.org")
    address.press("Enter")
    expect(body).to_have_value("Engage [families](https://example.org) early.")
    # Escape leaves the text as it was.
    page.keyboard.press("Control+k")
    address.press("Escape")
    expect(body).to_be_focused()
    expect(body).to_have_value("Engage [families](https://example.org) early.")

    body.fill("one\ntwo")
    select(body, 0, 7)
    page.keyboard.press("Control+Shift+8")
    expect(body).to_have_value("- one\n- two")
    page.keyboard.press("Control+Shift+7")
    expect(body).to_have_value("1. one\n2. two")
    page.keyboard.press("Control+Shift+9")
    expect(body).to_have_value("(a) one\n\n(b) two")

    body.fill("Families notice first.")
    caret_at_end(body)
    page.keyboard.press("Control+Alt+f")
    note = article.get_by_label("Footnote text")
    expect(note).to_be_focused()
    note.fill("As the survey found.")
    note.press("Enter")
    expect(body).to_have_value("Families notice first.[^1]\n\n[^1]: As the survey found.")
    expect(preview.locator(".footnotes")).to_contain_text("As the survey found.")


def test_enter_continues_lists_and_sub_items(page_for, live_server, expert, secretariat):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    preview = article.locator(".preview")
    body.fill("The agreement should:\n\n(a) state the purpose;")
    caret_at_end(body)
    page.keyboard.press("Enter")
    page.keyboard.type("record it; and")
    expect(body).to_have_value(
        "The agreement should:\n\n(a) state the purpose;\n\n(b) record it; and"
    )
    expect(preview).to_contain_text("(b) record it; and")
    page.keyboard.press("Enter")
    page.keyboard.type("review it.")
    # Enter on an empty item ends the series; a new one can start with "(i)".
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("(i) yearly")
    page.keyboard.press("Enter")
    page.keyboard.type("openly")
    expect(body).to_have_value(
        "The agreement should:\n\n(a) state the purpose;\n\n(b) record it; and\n\n"
        "(c) review it.\n\n(i) yearly\n\n(ii) openly"
    )
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("After.")
    expect(body).to_have_value(
        "The agreement should:\n\n(a) state the purpose;\n\n(b) record it; and\n\n"
        "(c) review it.\n\n(i) yearly\n\n(ii) openly\n\nAfter."
    )

    body.fill("- bullets")
    caret_at_end(body)
    page.keyboard.press("Enter")
    page.keyboard.type("go on")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Done.")
    expect(body).to_have_value("- bullets\n- go on\nDone.")
    body.fill("1. first")
    caret_at_end(body)
    page.keyboard.press("Enter")
    page.keyboard.type("second")
    expect(body).to_have_value("1. first\n2. second")
    expect(preview.locator("ol li")).to_have_text(["first", "second"])
    # Shift+Enter is a plain line break.
    page.keyboard.press("Shift+Enter")
    expect(body).to_have_value("1. first\n2. second\n")


def test_paste_from_word_keeps_lists_bold_italics_and_paragraphs(
    page_for, live_server, expert, secretariat
):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    preview = article.locator(".preview")
    body.fill("Intro.")
    caret_at_end(body)
    assert paste(body, WORD_HTML, "collapsed plain text")
    expect(body).to_have_value("Intro.\n\n" + WORD_MARKDOWN)
    expect(preview.locator("ul").first.locator(":scope > li")).to_have_count(2)
    expect(preview.locator("ul ul li")).to_have_text("within the school")
    expect(preview.locator("ol li")).to_have_text(["First step", "Second step"])
    expect(preview.locator("strong").first).to_have_text("always")
    expect(preview.locator("em")).to_have_text("write it down")
    expect(preview).not_to_contain_text("clip_image")

    # Plain text (no HTML on the clipboard) is left to the browser: pasted as it is.
    body.fill("")
    assert not paste(body, None, "*kept* as typed")


def test_paste_from_a_web_page_or_google_docs(page_for, live_server, expert, secretariat):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    html = (
        '<meta charset="utf-8"><b style="font-weight:normal" id="docs-internal-guid-1">'
        '<p dir="ltr"><span style="font-weight:700">Lead</span> sentence with '
        '<span style="font-style:italic">stress</span> and <a href="https://example.org">a link</a>'
        ' and <a href="#_Toc1">a contents entry</a>.</p>'
        "<ul><li><p>one</p></li><li><p>two</p></li></ul>"
        "<ol start=3><li>three</li><li>four</li></ol>"
        "<table><tr><th>Measure</th><th>Who</th></tr>"
        "<tr><td>Train | staff</td><td>Schools</td></tr></table>"
        "</b>"
    )
    body.fill("")
    assert paste(body, html)
    expect(body).to_have_value(
        "**Lead** sentence with *stress* and [a link](https://example.org)"
        " and a contents entry.\n\n"
        "- one\n- two\n\n"
        "3. three\n4. four\n\n"
        "| Measure | Who |\n| --- | --- |\n| Train \\| staff | Schools |"
    )


def test_the_toolbar_works_from_the_keyboard_alone(page_for, live_server, expert, secretariat):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    body.fill("Plain words")
    select(body, 0, 5)
    heading = article.locator("input[name=heading]")
    heading.focus()
    # From the heading, Tab reaches the toolbar's first button, which says what it is.
    page.keyboard.press("Tab")
    bold = button(article, "Bold")
    expect(bold).to_be_focused()
    expect(bold).to_have_attribute("aria-label", "Bold")
    page.keyboard.press("Enter")
    expect(body).to_have_value("**Plain** words")
    # Back to the toolbar: it is one Tab stop, the last button used is the one Tab reaches.
    page.keyboard.press("Shift+Tab")
    expect(bold).to_be_focused()
    page.keyboard.press("ArrowRight")
    italic = button(article, "Italic")
    expect(italic).to_be_focused()
    select(body, 10, 15)
    italic.focus()
    page.keyboard.press("Space")
    expect(body).to_have_value("**Plain** *words*")
    # Tab from the toolbar goes straight to the text.
    italic.focus()
    page.keyboard.press("Tab")
    expect(body).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(italic).to_be_focused()
    page.keyboard.press("End")
    expect(button(article, "Table")).to_be_focused()
    page.keyboard.press("Home")
    expect(bold).to_be_focused()


@pytest.mark.parametrize(
    ("width", "beside"),
    [(1280, True), (390, False)],
    ids=["wide", "phone"],
)
def test_preview_is_beside_the_text_on_a_wide_screen_and_under_it_on_a_phone(
    page_for, live_server, expert, secretariat, width, beside
):
    page, article, body = open_editor(
        page_for, live_server, expert, secretariat, viewport={"width": width, "height": 900}
    )
    body.fill("**Families** notice first.")
    preview = article.locator(".preview")
    expect(preview.locator("strong")).to_have_text("Families")
    text_box = body.bounding_box()
    preview_box = preview.bounding_box()
    if beside:
        assert preview_box["x"] >= text_box["x"] + text_box["width"] - 1
        assert abs(preview_box["y"] - text_box["y"]) < 2
    else:
        assert preview_box["y"] >= text_box["y"] + text_box["height"] - 1
        assert preview_box["width"] > 250
    # Nothing sticks out sideways, the toolbar included.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    toolbar = article.get_by_role("toolbar", name="Formatting").bounding_box()
    assert toolbar["x"] + toolbar["width"] <= width


def test_section_introduction_and_amendment_editors_have_the_toolbar_and_preview(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    page = page_for(secretariat)
    page.goto(live_server.url + reverse("drafting:section-edit", args=[section.pk]))
    intro = page.locator("textarea[name=introduction]")
    intro.fill("Scope")
    select(intro, 0, 5)
    page.get_by_role("button", name="Italic", exact=True).click()
    expect(intro).to_have_value("*Scope*")
    expect(page.get_by_role("region", name="Preview").locator("em")).to_have_text("Scope")
    # The text sits beside its preview.
    text_box = intro.bounding_box()
    preview_box = page.get_by_role("region", name="Preview").bounding_box()
    assert preview_box["x"] >= text_box["x"] + text_box["width"] - 1

    # An expert's proposed amendment is written with the same editor.
    practice = section.practices.get()
    page = page_for(expert)
    page.goto(live_server.url + reverse("drafting:amendment-propose-change", args=[practice.pk]))
    body = page.locator("textarea[name=body]")
    body.fill("Name a lead")
    caret_at_end(body)
    page.keyboard.press("Control+Shift+8")
    expect(body).to_have_value("- Name a lead")
    expect(page.get_by_role("region", name="Preview").locator("li")).to_have_text("Name a lead")


WORD_FOOTNOTE_HTML = (
    "<p class=MsoNormal>Families notice first.<a style='mso-footnote-id:ftn1' href=\"#_ftn1\""
    ' name="_ftnref1" title=""><span class=MsoFootnoteReference><span'
    " style='mso-special-character:footnote'><![if !supportFootnotes]><span"
    " class=MsoFootnoteReference>[1]</span><![endif]></span></span></a></p>\n"
    "<p class=MsoNormal>Schools notice next.</p>\n"
    "<div style='mso-element:footnote-list'><![if !supportFootnotes]><br clear=all>"
    '<hr align=left size=1 width="33%"><![endif]>\n'
    "<div style='mso-element:footnote' id=ftn1><p class=MsoFootnoteText><a"
    ' style=\'mso-footnote-id:ftn1\' href="#_ftnref1" name="_ftn1" title=""><span'
    " class=MsoFootnoteReference>[1]</span></a> As the <i>2016</i> survey found.</p></div></div>"
)


def test_pasted_footnotes_are_numbered_after_the_texts_own(
    page_for, live_server, expert, secretariat
):
    page, article, body = open_editor(page_for, live_server, expert, secretariat)
    preview = article.locator(".preview")
    body.fill("Intro.[^1]\n\n[^1]: Old note.")
    select(body, 10, 10)
    assert paste(body, WORD_FOOTNOTE_HTML)
    expect(body).to_have_value(
        "Intro.[^1]\n\nFamilies notice first.[^2]\n\nSchools notice next.\n\n"
        "[^1]: Old note.\n\n[^2]: As the *2016* survey found."
    )
    expect(preview.locator(".footnotes li")).to_have_count(2)

    # Text copied from a page of this application (here, the preview) comes back as it was.
    body.fill("A[^1] and B.\n\n[^1]: Note *one*.")
    expect(preview.locator(".footnotes")).to_contain_text("Note one.")
    rendered = preview.inner_html()
    body.fill("")
    assert paste(body, rendered)
    expect(body).to_have_value("A[^1] and B.\n\n[^1]: Note *one*.")

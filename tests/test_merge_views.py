"""Stale saves through the editor forms: merged, shown, chosen, confirmed — never lost.

Two experts with real logins edit the same practice (or section) from the same
revision; the second save is the stale one. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from drafting import actions
from drafting.models import Practice, Section
from tests.conftest import login, make_document, make_user
from tests.html_safety import live_html_problems

BODY = "Families are often first to notice. Schools should be involved."


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Every test here logs two experts in; the real hasher makes that seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def practice(expert) -> Practice:
    document = make_document(by=expert, sections=1, practices=0)
    return actions.create_practice(
        document.sections.get(), by=expert, heading="Engage families early", body=BODY
    )


@pytest.fixture
def one(expert) -> Client:
    return login(Client(), expert)


@pytest.fixture
def two(other_expert) -> Client:
    return login(Client(), other_expert)


def _url(practice) -> str:
    return reverse("drafting:practice-edit", args=[practice.pk])


def _save(client, practice, *, heading=None, body, base_revision, htmx=False, **extra):
    data = {
        "heading": practice.heading if heading is None else heading,
        "body": body,
        "base_revision": base_revision,
        "reason": "",
        **extra,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(_url(practice), data, headers=headers)


def _form(page: str) -> dict[str, str]:
    """The values a browser would post from the editor form on ``page`` (radios: checked)."""
    start = page.index("editor-form")
    form = page[start : page.index("</form>", start)]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("radio", "checkbox") and " checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S
    ):
        data[name] = unescape(value)
    return data


def _colleague(user) -> str:
    return f"{user.get_full_name()} ({user.profile.delegation.name})"


def _current(practice) -> Practice:
    return Practice.objects.get(pk=practice.pk)


# ---- the issue: an untouched stale save no longer drops a colleague's sentence -------------


def test_resubmitting_an_untouched_form_keeps_the_colleagues_sentence(one, two, expert, practice):
    added = BODY + " Teachers need training too."
    assert _save(one, practice, body=added, base_revision=1).status_code == 302

    stale = _save(two, practice, body=BODY, base_revision=1)

    assert stale.status_code == 409
    page = stale.content.decode()
    assert f"Changes {_colleague(expert)} saved while you were editing are combined" in page
    assert "Save merged text" in page
    assert f'<ins class="theirs" title="added by {_colleague(expert)}"> Teachers need' in page
    form = _form(page)
    assert form["body"] == added  # the merged text keeps the sentence
    assert form["mine_body"] == BODY  # and the expert's own text is on the page
    assert form["base_revision"] == "2"
    assert _current(practice).revision == 2  # nothing saved yet

    assert two.post(_url(practice), form).status_code == 302
    saved = _current(practice)
    assert (saved.body, saved.revision) == (added, 2)  # nothing to change: still revision 2


def test_non_overlapping_edits_are_combined_shown_then_saved(
    one, two, expert, other_expert, practice
):
    theirs = BODY + " Teachers need training too."
    mine = BODY.replace("Schools", "Schools and youth clubs")
    _save(one, practice, body=theirs, base_revision=1)

    stale = _save(two, practice, body=mine, base_revision=1)

    assert stale.status_code == 409
    page = stale.content.decode()
    assert '<ins class="mine" title="added by you"> and youth clubs</ins>' in page
    assert '<ins class="theirs"' in page and "added by you" in page
    assert "Revision 2 saved by " + _colleague(expert) in page
    form = _form(page)
    merged = (
        "Families are often first to notice. Schools and youth clubs should be involved. "
        "Teachers need training too."
    )
    assert form["body"] == merged
    assert _current(practice).body == theirs

    assert two.post(_url(practice), form).status_code == 302
    saved = _current(practice)
    assert (saved.body, saved.revision) == (merged, 3)
    row = saved.history.latest()
    assert row.history_user == other_expert


# ---- overlapping edits need a choice per region --------------------------------------------


def _overlap(one, two, practice, *, theirs="quickest", mine="best placed"):
    _save(one, practice, body=BODY.replace("first", theirs), base_revision=1)
    return _save(two, practice, body=BODY.replace("first", mine), base_revision=1)


def test_overlapping_edits_show_an_attributed_region_and_keep_both_texts(
    one, two, expert, practice
):
    stale = _overlap(one, two, practice)

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Your edit overlaps with changes" in page
    assert 'id="region-body-0"' in page
    assert f"Their version — changed by {_colleague(expert)}" in page
    assert '<ins class="theirs"' in page and '<ins class="mine"' in page
    assert 'name="choice-body-0" value="theirs"' in page
    assert "Combine with my choices" in page
    form = _form(page)
    assert form["body"] == BODY.replace("first", "best placed")  # own text, in its textarea
    assert form["base_revision"] == "1"
    assert live_html_problems(page) == []


def test_combining_without_a_choice_is_refused_next_to_the_region(one, two, practice):
    form = _form(_overlap(one, two, practice).content.decode())
    assert "choice-body-0" not in form

    refused = two.post(_url(practice), form)

    assert refused.status_code == 422
    page = refused.content.decode()
    region = page[page.index('id="region-body-0"') :]
    assert region.index("Choose which text to keep here.") < region.index("</fieldset>")
    assert "1 region still without a choice. Nothing was saved." in page
    assert _form(page)["body"] == BODY.replace("first", "best placed")
    assert _current(practice).revision == 2


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("theirs", BODY.replace("first", "quickest")),
        ("mine", BODY.replace("first", "best placed")),
        ("both", BODY.replace("first", "quickest best placed")),
    ],
)
def test_each_choice_is_shown_merged_then_saved(one, two, practice, choice, expected):
    form = _form(_overlap(one, two, practice).content.decode())

    combined = two.post(_url(practice), {**form, "choice-body-0": choice})

    assert combined.status_code == 200
    page = combined.content.decode()
    assert "Save merged text" in page
    review = _form(page)
    assert review["body"] == expected
    assert review["base_revision"] == "2"
    assert review["choice-body-0"] == choice
    assert review["mine_body"] == BODY.replace("first", "best placed")
    assert _current(practice).revision == 2

    assert two.post(_url(practice), review).status_code == 302
    # Keeping only their text changes nothing, so no new revision is written.
    revision = 2 if choice == "theirs" else 3
    assert (_current(practice).body, _current(practice).revision) == (expected, revision)


def test_heading_and_body_regions_are_chosen_separately(one, two, expert, practice):
    _save(one, practice, heading="Engage parents early", body=BODY + " Act now.", base_revision=1)
    stale = _save(
        two, practice, heading="Engage carers early", body=BODY + " Act today.", base_revision=1
    )
    form = _form(stale.content.decode())
    refused = two.post(_url(practice), {**form, "choice-heading-0": "mine"})
    assert refused.status_code == 422
    assert "body-0" in refused.content.decode()
    review = _form(
        two.post(
            _url(practice), {**form, "choice-heading-0": "mine", "choice-body-0": "both"}
        ).content.decode()
    )
    assert (review["heading"], review["body"]) == (
        "Engage carers early",
        BODY + " Act now. Act today.",
    )
    assert two.post(_url(practice), review).status_code == 302
    saved = _current(practice)
    assert (saved.heading, saved.body) == ("Engage carers early", BODY + " Act now. Act today.")


# ---- editing the merged text freely ---------------------------------------------------------


def test_removing_a_colleagues_words_from_the_merged_text_needs_confirmation(
    one, two, expert, practice
):
    _save(one, practice, body=BODY + " Teachers need training too.", base_revision=1)
    review = _form(
        _save(
            two, practice, body=BODY.replace("often", "usually"), base_revision=1
        ).content.decode()
    )
    edited = {**review, "body": BODY.replace("often", "usually")}  # the sentence deleted again

    refused = two.post(_url(practice), edited)

    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Your text removes words that " + _colleague(expert) in page
    assert "“Teachers need training too.” — added by " + _colleague(expert) in page
    assert "I intend to remove “Teachers need training too.”" in page
    again = _form(page)
    assert again["body"] == BODY.replace("often", "usually")  # the edit is kept
    assert "confirm_drop" not in again  # the box is not ticked for them
    assert _current(practice).revision == 2

    token = re.search(r'name="confirm_drop" value="([^"]+)"', page).group(1)
    assert two.post(_url(practice), {**again, "confirm_drop": token}).status_code == 302
    assert _current(practice).body == BODY.replace("often", "usually")


def test_a_confirmation_for_other_words_does_not_count(one, two, practice):
    _save(one, practice, body=BODY + " One more. Two more.", base_revision=1)
    review = _form(_save(two, practice, body=BODY, base_revision=1).content.decode())
    first = two.post(_url(practice), {**review, "body": BODY + " One more."}).content.decode()
    token = re.search(r'name="confirm_drop" value="([^"]+)"', first).group(1)

    refused = two.post(_url(practice), {**review, "body": BODY, "confirm_drop": token})

    assert refused.status_code == 422
    assert "have changed since you confirmed" in refused.content.decode()
    assert _current(practice).revision == 2


def test_choosing_ones_own_text_declines_the_colleagues_words_without_a_checkbox(
    one, two, practice
):
    form = _form(_overlap(one, two, practice).content.decode())
    review = _form(two.post(_url(practice), {**form, "choice-body-0": "mine"}).content.decode())
    assert "confirm_drop" not in review
    assert two.post(_url(practice), review).status_code == 302
    assert _current(practice).body == BODY.replace("first", "best placed")


# ---- bad input: a message next to the form, nothing changed, never a 500 --------------------


def test_forged_region_ids_are_refused_and_nothing_changes(one, two, practice):
    form = _form(_overlap(one, two, practice).content.decode())

    refused = two.post(
        _url(practice), {**form, "choice-body-0": "mine", "choice-body-99": "theirs"}
    )

    assert refused.status_code == 422
    page = refused.content.decode()
    assert "names conflict regions that do not exist here" in page
    assert _form(page)["body"] == BODY.replace("first", "best placed")
    assert _current(practice).revision == 2


def test_an_unknown_choice_value_is_refused_next_to_its_region(one, two, practice):
    form = _form(_overlap(one, two, practice).content.decode())
    refused = two.post(_url(practice), {**form, "choice-body-0": "<script>x</script>"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "That is not one of the choices" in page
    assert "<script>x" not in page
    assert _current(practice).revision == 2


@pytest.mark.parametrize(
    "tamper",
    [
        {"seen_revision": "not a number"},
        {"seen_revision": ""},
        {"regions": ""},
        {"step": "delete-everything"},
        {"regions": "x" * 500},
    ],
)
def test_a_tampered_choose_form_is_refused_with_the_text_kept(one, two, practice, tamper):
    form = _form(_overlap(one, two, practice).content.decode())
    refused = two.post(_url(practice), {**form, "choice-body-0": "mine", **tamper})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'class="form-error"' in page
    assert BODY.replace("first", "best placed") in page
    assert _current(practice).revision == 2


def test_a_review_form_without_its_merge_base_is_refused(one, two, practice):
    _save(one, practice, body=BODY + " More.", base_revision=1)
    review = _form(_save(two, practice, body=BODY, base_revision=1).content.decode())
    del review["merge_base"]
    refused = two.post(_url(practice), review)
    assert refused.status_code == 422
    assert "This merge form is incomplete" in refused.content.decode()
    assert _current(practice).revision == 2


def test_editing_ones_own_text_on_the_choose_page_compares_again(one, two, practice):
    form = _form(_overlap(one, two, practice).content.decode())
    changed = {**form, "body": BODY + " Mine only.", "choice-body-0": "mine"}

    again = two.post(_url(practice), changed)

    assert again.status_code == 422
    page = again.content.decode()
    assert "compared again: check the combined text below" in page
    review = _form(page)
    assert review["body"] == BODY.replace("first", "quickest") + " Mine only."
    assert _current(practice).revision == 2


def test_a_choice_made_on_an_outdated_comparison_is_not_applied(one, two, practice, expert):
    form = _form(_overlap(one, two, practice).content.decode())
    third = make_user("expert")
    actions.update_practice(
        practice,
        by=third,
        heading=practice.heading,
        body=BODY.replace("first", "fastest"),
        base_revision=2,
    )

    again = two.post(_url(practice), {**form, "choice-body-0": "mine"})

    assert again.status_code == 409
    page = again.content.decode()
    assert "saved again while you were choosing" in page
    assert f"Revision 3 saved by {_colleague(third)}" in page
    assert 'name="choice-body-0" value="mine" checked' not in page
    assert _current(practice).revision == 3


def test_a_third_save_before_the_merged_text_is_saved_is_a_new_conflict(one, two, practice):
    _save(one, practice, body=BODY + " Second sentence.", base_revision=1)
    review = _form(
        _save(
            two, practice, body=BODY.replace("often", "usually"), base_revision=1
        ).content.decode()
    )
    third = make_user("expert")
    actions.update_practice(
        practice,
        by=third,
        heading=practice.heading,
        body=BODY.replace("often", "sometimes") + " Second sentence.",
        base_revision=2,
    )

    again = two.post(_url(practice), review)

    assert again.status_code == 409
    page = again.content.decode()
    assert "Your edit overlaps with changes" in page and _colleague(third) in page
    assert _current(practice).body == BODY.replace("often", "sometimes") + " Second sentence."


def test_a_double_submit_saves_once(one, practice):
    first = _save(one, practice, body=BODY + " Once.", base_revision=1)
    second = _save(one, practice, body=BODY + " Once.", base_revision=1)
    assert (first.status_code, second.status_code) == (302, 302)
    assert _current(practice).revision == 2
    assert practice.history.count() == 2
    messages = [str(m) for m in second.wsgi_request._messages]
    assert any("already reads as you submitted it" in m for m in messages)


def test_a_base_revision_the_history_never_had_shows_everything_as_a_conflict(one, two, practice):
    _save(one, practice, body=BODY + " More.", base_revision=1)
    stale = _save(two, practice, body="Entirely my own words.", base_revision=9)
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "which is not in the history" in page
    assert 'id="region-body-0"' in page
    assert _current(practice).body == BODY + " More."


def test_what_colleagues_typed_is_escaped_on_the_merge_pages(one, two, practice):
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(1)">'
    _save(one, practice, body=BODY + " " + hostile, base_revision=1)
    stale = _save(two, practice, body=BODY + " Mine <b>bold</b>.", base_revision=1)
    page = stale.content.decode()
    assert live_html_problems(page) == []
    review = two.post(_url(practice), {**_form(page), "choice-body-0": "both"}).content.decode()
    assert live_html_problems(review) == []


# ---- htmx: the in-place editor swaps the same steps as partials -----------------------------


def test_the_merge_steps_work_in_the_in_place_editor(one, two, practice):
    _save(one, practice, body=BODY.replace("first", "quickest"), base_revision=1)
    stale = _save(two, practice, body=BODY.replace("first", "last"), base_revision=1, htmx=True)
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "<html" not in page and 'id="region-body-0"' in page
    assert 'hx-post="' + _url(practice) in page

    headers = {"HX-Request": "true"}
    review = two.post(_url(practice), {**_form(page), "choice-body-0": "both"}, headers=headers)
    assert review.status_code == 200 and "<html" not in review.content.decode()
    saved = two.post(_url(practice), _form(review.content.decode()), headers=headers)
    assert saved.status_code == 200
    assert 'class="practice-body' in saved.content.decode()
    assert _current(practice).body == BODY.replace("first", "quickest last")


# ---- sections: title and introduction merge the same way ------------------------------------


def test_a_stale_section_edit_is_merged_not_overwritten(one, two, expert, practice):
    section = practice.section
    url = reverse("drafting:section-edit", args=[section.pk])
    one.post(
        url,
        {
            "title": section.title,
            "introduction": "Start early. Involve families.",
            "base_revision": 1,
        },
    )
    section.refresh_from_db()
    assert section.revision == 2

    stale = two.post(url, {"title": "Prevention first", "introduction": "", "base_revision": 1})

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "combined with yours" in page
    form = _form(page)
    assert form["title"] == "Prevention first"
    assert form["introduction"] == "Start early. Involve families."
    assert form["mine_introduction"] == ""
    assert two.post(url, form).status_code == 302
    section = Section.objects.get(pk=section.pk)
    assert (section.title, section.introduction, section.revision) == (
        "Prevention first",
        "Start early. Involve families.",
        3,
    )


def test_overlapping_section_titles_need_a_choice(one, two, expert, practice):
    section = practice.section
    url = reverse("drafting:section-edit", args=[section.pk])
    one.post(url, {"title": "Early prevention", "introduction": "", "base_revision": 1})
    stale = two.post(url, {"title": "Primary prevention", "introduction": "", "base_revision": 1})
    assert stale.status_code == 409
    page = stale.content.decode()
    assert f"by {_colleague(expert)}" in page
    form = _form(page)
    assert two.post(url, form).status_code == 422
    review = two.post(url, {**form, "choice-title-0": "theirs"})
    assert review.status_code == 200
    assert two.post(url, _form(review.content.decode())).status_code == 302
    assert Section.objects.get(pk=section.pk).title == "Early prevention"

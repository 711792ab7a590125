"""Square brackets (issue 14): the syntax, its pages and exports, and the recorded changes
that bracket a passage, support an alternative, resolve a bracket, and accept an amendment
as an alternative. Brackets keep a practice under negotiation."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from drafting import actions, brackets, text
from drafting.export import markup
from drafting.history import stamp
from drafting.models import Agreement, Amendment, Delegation, Practice, ReviewMeeting
from tests.conftest import login, make_delegation, make_document, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Each test logs several delegations in; the real hasher would take seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LEAD = "States [[should]]{US, MA} [[may]]{FR} establish a unit."


# --- the syntax -------------------------------------------------------------------------------


def test_adjacent_alternatives_form_one_bracket_with_their_delegations():
    (bracket,) = brackets.brackets(LEAD)
    assert [a.text for a in bracket.alternatives] == ["should", "may"]
    assert [a.codes for a in bracket.alternatives] == [("US", "MA"), ("FR",)]
    assert LEAD[bracket.start : bracket.end] == "[[should]]{US, MA} [[may]]{FR}"


def test_alternatives_apart_are_two_brackets():
    found = brackets.brackets("A [[b]]{US} and [[c]]{FR}.")
    assert len(found) == 2


def test_printed_form_is_the_negotiators_one():
    assert brackets.printed(LEAD) == "States [should (US, MA)] [may (FR)] establish a unit."
    assert brackets.printed("[[as it stands]]{} [[new]]{fr}") == "[as it stands] [new (FR)]"


def test_page_rendering_shows_brackets_and_attribution_without_hover():
    html = text.render("They [[should]]{US} [[*may*]]{FR} act.")
    assert '<span class="bracket" title="In square brackets: proposed by US">[should' in html
    assert '<span class="bracket-by"> (US)</span>]</span>' in html
    assert "[<em>may</em>" in html


def test_lead_sentence_is_escaped_and_only_brackets_are_markup():
    html = text.render_line("A & <b>x</b> [[should <i>]]{US} *y*")
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "[should &lt;i&gt;" in html
    assert "*y*" in html  # the lead is not Markdown
    assert "<b>" not in html and "<i>" not in html


def test_markdown_links_and_footnotes_are_untouched():
    source = "See [the guide](https://example.org)[^1] and [[this]]{US}.\n\n[^1]: A note."
    html = text.render(source)
    assert 'href="https://example.org"' in html
    assert 'class="footnote-ref"' in html
    assert "[this" in html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a [[b [[c]]{US}]]{FR}", "cannot hold another bracket"),
        ("a [[b c", "never closed"),
        ("a b]]{US} c", "never opened"),
        ("a [[b]] c", "Name the delegations"),
        ("a [[b [^1] c]]{US}\n\n[^1]: n", "footnote marker"),
        ("a [[ ]]{US}", "empty"),
        ("a [[b]]{U$S}", "not a delegation short code"),
        ("a [[b\n\nc]]{US}", "within one paragraph"),
        ("- item [[one\n- two]]{US} [[three]]{FR}", "within one list item"),
        ("[[" * 9990 + "x]]{US}", "the limit is 600"),
    ],
)
def test_malformed_brackets_are_refused_in_words(source, message):
    found = text.problems(source)
    assert any(message in m for m in found), found


def test_unknown_delegation_code_is_refused_by_the_validators():
    make_delegation(code="US")
    assert text.unknown_delegations("[[a]]{US}") == []
    assert "ZZ" in text.unknown_delegations("[[a]]{US, ZZ}")[0]


def test_exports_print_brackets_in_text_and_lead():
    rich = markup.parse("They [[should]]{US} act.")
    assert markup.plain_text(rich.blocks[0].inlines) == "They [should (US)] act."


def test_redline_of_a_resolution_strikes_the_bracket_around_the_kept_words():
    """Kept "should": the words stay, the bracket marks, attribution and "[may (FR)]" are struck;
    the redline is of the printed form, never of the syntax."""
    inlines = markup.redline_inline(LEAD, "States should establish a unit.")
    struck = "".join(
        markup.plain_text(i.children)
        for i in inlines
        if isinstance(i, markup.Span) and i.kind == "del"
    )
    kept = "".join(i.text for i in inlines if isinstance(i, markup.Text))
    assert struck.replace(" ", "") == "[(US,MA)][may(FR)]"
    assert kept.split() == ["States", "should", "establish", "a", "unit."]
    html = str(text.markup("x"))  # the page redline uses the same printed form
    from drafting import diff

    html = diff.redline_html(LEAD, "States may establish a unit.")
    assert "[[" not in html and "<del>[should (US, MA)] [</del>may" in html


# --- the pages and actions ------------------------------------------------------------------


@pytest.fixture
def forum(db):
    """Delegations US, MA, FR with an expert each, a secretariat officer, a document."""
    us, ma, fr = (
        make_delegation(code=c, name=n)
        for c, n in [("US", "United States"), ("MA", "Morocco"), ("FR", "France")]
    )
    secretariat = make_user("secretariat")
    users = {
        "us": make_user("expert", delegation=us),
        "ma": make_user("expert", delegation=ma),
        "fr": make_user("expert", delegation=fr),
        "secretariat": secretariat,
        "observer": make_user("observer"),
    }
    document = make_document(by=secretariat, sections=1, practices=2)
    practice = document.sections.get().practices.order_by("position").first()
    practice = actions.update_practice(
        practice,
        by=secretariat,
        heading="States should establish a unit.",
        body="The unit reports yearly.",
        base_revision=1,
    )
    return {
        "delegations": {"US": us, "MA": ma, "FR": fr},
        "document": document,
        "practice": practice,
        **users,
    }


def _url(name, practice):
    return reverse(f"drafting:{name}", args=[practice.pk])


def _bracket(client, forum, user="us", **overrides):
    d = forum["delegations"]
    data = {
        "field": "heading",
        "passage": "should",
        "delegations": [d["US"].pk, d["MA"].pk],
        "alternative_1": "may",
        "alternative_1_delegations": [d["FR"].pk],
        "alternative_2": "",
        "base_revision": Practice.objects.get(pk=forum["practice"].pk).revision,
    }
    data.update(overrides)
    login(client, forum[user])
    return client.post(_url("practice-brackets", forum["practice"]), data)


def _last_reason(practice):
    row = practice.history.order_by("-history_id").first()
    return row, row.history_change_reason


def test_expert_brackets_a_passage_and_history_says_so(client, forum):
    response = _bracket(client, forum)
    assert response.status_code == 302
    practice = Practice.objects.get(pk=forum["practice"].pk)
    assert practice.heading == "States [[should]]{MA, US} [[may]]{FR} establish a unit."
    row, reason = _last_reason(practice)
    assert row.history_user == forum["us"]
    assert reason == "Put in square brackets: [should (MA, US)] [may (FR)]."
    page = client.get(practice.section.get_absolute_url()).content.decode()
    assert '<span class="bracket-by"> (MA, US)</span>' in page
    assert "1 open bracket" in page


def test_passage_must_be_in_the_text_once(client, forum):
    before = Practice.objects.get(pk=forum["practice"].pk)
    response = _bracket(client, forum, passage="must")
    assert response.status_code == 422
    assert "not in the lead sentence" in response.content.decode()
    response = _bracket(client, forum, field="body", passage="e")
    assert response.status_code == 422
    assert "occur" in response.content.decode()
    assert Practice.objects.get(pk=before.pk).revision == before.revision


def test_forged_delegation_id_is_refused_next_to_the_field(client, forum):
    before = Practice.objects.get(pk=forum["practice"].pk)
    response = _bracket(client, forum, alternative_1_delegations=[987654])
    assert response.status_code == 422
    assert "That delegation does not exist." in response.content.decode()
    assert Practice.objects.get(pk=before.pk).revision == before.revision


def test_malformed_text_is_refused_before_markdown_reads_it(monkeypatch):
    # Markdown's link-label search is quadratic in runs of "[": never handed 20,000 of them.
    def unread(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(text, "_parse", unread)
    assert "the limit is 600" in text.problems("[[" * 9990 + "x]]{US}")[0]


def test_an_alternative_cannot_smuggle_brackets_of_its_own(client, forum):
    before = Practice.objects.get(pk=forum["practice"].pk)
    response = _bracket(client, forum, alternative_1="x]]{FR} [[y")
    assert response.status_code == 422
    assert "make brackets of their own" in response.content.decode()
    assert Practice.objects.get(pk=before.pk).revision == before.revision


def test_open_brackets_keep_the_document_from_being_final(client, forum):
    from drafting import workflow

    _bracket(client, forum)
    document = forum["document"]
    finalise = workflow.DOCUMENT_TRANSITIONS["finalise"]
    blockers = workflow._document_blockers(document, finalise)
    assert any("1 square bracket is still open, in " in b for b in blockers), blockers


def test_alternative_without_delegations_is_refused(client, forum):
    response = _bracket(client, forum, alternative_1_delegations=[])
    assert response.status_code == 422
    assert "Choose the delegations proposing this alternative." in response.content.decode()


def test_bracket_over_a_footnote_marker_is_refused(client, forum):
    practice = forum["practice"]
    actions.update_practice(
        practice,
        by=forum["secretariat"],
        heading=practice.heading,
        body="The unit[^1] reports.\n\n[^1]: Or office.",
        base_revision=practice.revision,
    )
    response = _bracket(client, forum, field="body", passage="unit[^1] reports")
    assert response.status_code == 422
    assert "footnote marker" in response.content.decode()


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        ("States [[should [[may]]{FR}]]{US} act.", "cannot hold another bracket"),
        ("States [[should act.", "never closed"),
        ("States [[should]]{ZZ} act.", "No delegation has the short code ZZ"),
    ],
)
def test_typing_bad_brackets_in_the_editor_is_refused_and_changes_nothing(
    client, forum, heading, message
):
    practice = Practice.objects.get(pk=forum["practice"].pk)
    login(client, forum["us"])
    response = client.post(
        _url("practice-edit", practice),
        {"heading": heading, "body": practice.body, "base_revision": practice.revision},
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Practice.objects.get(pk=practice.pk).heading == practice.heading


def test_observer_sees_brackets_but_cannot_bracket(client, forum):
    _bracket(client, forum)
    login(client, forum["observer"])
    page = client.get(_url("practice-brackets", forum["practice"]))
    assert page.status_code == 200
    assert "Bracket a passage" not in page.content.decode()
    assert "[should" in page.content.decode()
    response = _bracket(client, forum, user="observer")
    assert response.status_code == 403


def test_no_bracketing_on_an_adopted_document(client, forum):
    document = forum["document"]
    document.status = document.Status.ADOPTED
    stamp(document, by=forum["secretariat"], reason="Test: adopted.")
    document.save()
    response = _bracket(client, forum)
    assert response.status_code == 403
    assert "adopted" in response.content.decode()


def _support(client, forum, user, **overrides):
    practice = Practice.objects.get(pk=forum["practice"].pk)
    data = {
        "field": "heading",
        "bracket": 1,
        "alternative": 2,
        "base_revision": practice.revision,
        **overrides,
    }
    login(client, forum[user])
    return client.post(_url("bracket-support", practice), data)


def test_another_delegation_supports_an_alternative_and_it_is_recorded(client, forum):
    _bracket(client, forum)
    response = _support(client, forum, "ma")
    assert response.status_code == 302
    practice = Practice.objects.get(pk=forum["practice"].pk)
    assert practice.heading == "States [[should]]{MA, US} [[may]]{FR, MA} establish a unit."
    row, reason = _last_reason(practice)
    assert row.history_user == forum["ma"]
    assert reason == "MA supports the alternative [may (FR, MA)]."


def test_supporting_twice_or_for_another_delegation_is_refused(client, forum):
    _bracket(client, forum)
    response = _support(client, forum, "fr")
    assert response.status_code == 422
    assert "FR already proposes" in response.content.decode()
    response = _support(client, forum, "fr", delegation=forum["delegations"]["US"].pk)
    assert response.status_code == 403


def test_secretariat_records_support_for_a_named_delegation(client, forum):
    _bracket(client, forum)
    response = _support(
        client, forum, "secretariat", alternative=1, delegation=forum["delegations"]["FR"].pk
    )
    assert response.status_code == 302
    assert "[[should]]{MA, US, FR}" in Practice.objects.get(pk=forum["practice"].pk).heading


def _meeting(forum) -> ReviewMeeting:
    meeting = ReviewMeeting(
        document=forum["document"],
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        starts_on=date(2018, 3, 5),
        ends_on=date(2018, 3, 6),
    )
    stamp(meeting, by=forum["secretariat"], reason="Test meeting.")
    meeting.save()
    return meeting


def _resolve(client, forum, user="secretariat", **overrides):
    practice = Practice.objects.get(pk=forum["practice"].pk)
    data = {"field": "heading", "bracket": 1, "base_revision": practice.revision, **overrides}
    login(client, forum[user])
    return client.post(_url("bracket-resolve", practice), data)


def test_resolving_at_a_meeting_keeps_one_alternative_in_one_recorded_change(client, forum):
    _bracket(client, forum)
    meeting = _meeting(forum)
    revisions = Practice.objects.get(pk=forum["practice"].pk).history.count()
    response = _resolve(client, forum, outcome="keep-2", meeting=meeting.pk, note="Consensus.")
    assert response.status_code == 302
    practice = Practice.objects.get(pk=forum["practice"].pk)
    assert practice.heading == "States may establish a unit."
    assert practice.history.count() == revisions + 1
    row, reason = _last_reason(practice)
    assert reason == ("Bracket resolved: kept [may (FR)]; dropped [should (MA, US)]. Consensus.")
    assert row.history_meeting_id == meeting.pk
    assert row.history_user == forum["secretariat"]


def test_resolving_by_merging_or_dropping(client, forum):
    _bracket(client, forum)
    _resolve(client, forum, outcome="merge", merged="are encouraged to")
    practice = Practice.objects.get(pk=forum["practice"].pk)
    assert practice.heading == "States are encouraged to establish a unit."
    assert (
        "merged [should (MA, US)] [may (FR)] into “are encouraged to”"
        in (_last_reason(practice)[1])
    )
    response = _bracket(
        client,
        forum,
        passage="a unit",
        delegations=[],
        alternative_1="",
        alternative_1_delegations=[],
    )
    assert response.status_code == 302, response.content.decode()
    _resolve(client, forum, outcome="drop")
    assert Practice.objects.get(pk=practice.pk).heading == "States are encouraged to establish."


def test_merge_without_text_and_foreign_meeting_are_refused(client, forum, secretariat):
    _bracket(client, forum)
    response = _resolve(client, forum, outcome="merge", merged="  ")
    assert response.status_code == 422
    assert "Write the merged text" in response.content.decode()
    other = make_document(by=secretariat, sections=1, practices=1)
    foreign = ReviewMeeting(
        document=other,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Elsewhere",
        starts_on=date(2018, 1, 1),
        ends_on=date(2018, 1, 2),
    )
    stamp(foreign, by=secretariat, reason="Test.")
    foreign.save()
    response = _resolve(client, forum, outcome="keep-1", meeting=foreign.pk)
    assert response.status_code == 422
    assert "[[should]]" in Practice.objects.get(pk=forum["practice"].pk).heading


def test_resolving_from_a_stale_page_is_refused(client, forum):
    _bracket(client, forum)
    practice = Practice.objects.get(pk=forum["practice"].pk)
    response = _resolve(client, forum, outcome="keep-1", base_revision=practice.revision - 1)
    assert response.status_code == 409
    assert Practice.objects.get(pk=practice.pk).heading == practice.heading


# --- agreement and amendments ---------------------------------------------------------------


def test_open_brackets_keep_a_practice_under_negotiation_and_refuse_agreement(client, forum):
    _bracket(client, forum)
    practice = Practice.objects.get(pk=forum["practice"].pk)
    login(client, forum["secretariat"])
    response = client.post(
        reverse("drafting:agreement-set", args=[practice.pk]),
        {"status": "agreed", "seen_revision": practice.revision},
    )
    assert response.status_code == 302  # back to the section page, with the reason
    shown = client.get(response["Location"]).content.decode()
    assert "1 open bracket in its text." in shown
    assert not Agreement.objects.filter(practice=practice).exists()
    page = client.get(forum["document"].get_absolute_url()).content.decode()
    assert "standing-under_negotiation" in page
    # Resolved, it can be agreed.
    _resolve(client, forum, outcome="keep-1")
    practice.refresh_from_db()
    response = client.post(
        reverse("drafting:agreement-set", args=[practice.pk]),
        {"status": "agreed", "seen_revision": practice.revision},
    )
    assert response.status_code == 302
    assert Agreement.objects.get(practice=practice).status == Agreement.Status.AGREED


def test_amendment_accepted_as_an_alternative_becomes_a_bracket(client, forum):
    practice = forum["practice"]
    amendment = actions.propose_change(
        practice,
        by=forum["fr"],
        heading="States may establish a unit.",
        body=practice.body,
        rationale="Flexibility.",
    )
    login(client, forum["secretariat"])
    response = client.post(
        reverse("drafting:amendment-accept", args=[amendment.pk]),
        {
            "how": "alternative",
            "heading": amendment.proposed_heading,
            "body": amendment.proposed_body,
            "seen_revision": practice.revision,
        },
    )
    assert response.status_code == 302, response.content.decode()
    practice.refresh_from_db()
    assert practice.heading == "States [[should]]{} [[may]]{FR} establish a unit."
    assert Amendment.objects.get(pk=amendment.pk).status == Amendment.Status.ACCEPTED
    assert "accepted as an alternative" in _last_reason(practice)[1]


def test_amendment_across_paragraphs_cannot_be_an_alternative(client, forum):
    practice = forum["practice"]
    actions.update_practice(
        practice,
        by=forum["secretariat"],
        heading=practice.heading,
        body="One here.\n\nTwo here.",
        base_revision=practice.revision,
    )
    practice.refresh_from_db()
    amendment = actions.propose_change(
        practice,
        by=forum["fr"],
        heading=practice.heading,
        body="One there.\n\nTwo there.",
        rationale="R.",
    )
    login(client, forum["secretariat"])
    response = client.post(
        reverse("drafting:amendment-accept", args=[amendment.pk]),
        {
            "how": "alternative",
            "heading": practice.heading,
            "body": amendment.proposed_body,
            "seen_revision": practice.revision,
        },
    )
    assert response.status_code == 422
    assert "cannot be held in one bracket" in response.content.decode()
    assert Amendment.objects.get(pk=amendment.pk).status == Amendment.Status.OPEN


# --- the list, the dashboard, the exports ------------------------------------------------------


def test_list_of_open_brackets_by_section_and_dashboard_counts(client, forum):
    _bracket(client, forum)
    login(client, forum["observer"])
    page = client.get(reverse("drafting:document-brackets", args=[forum["document"].slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>1</strong> open bracket in the document." in html
    assert '<abbr title="Morocco">MA</abbr>' in html
    board = client.get(reverse("drafting:document-dashboard", args=[forum["document"].slug]))
    assert "1 open bracket</a>" in board.content.decode()
    doc = client.get(forum["document"].get_absolute_url()).content.decode()
    assert "1 open square bracket" in doc


def test_every_export_prints_the_brackets(client, forum):
    _bracket(client, forum)
    login(client, forum["secretariat"])
    url = reverse("drafting:document-export", args=[forum["document"].slug, "md"])
    markdown = client.get(url).content.decode()
    assert "[should (MA, US)]" in markdown.replace("\\", "")
    docx = client.get(reverse("drafting:document-export", args=[forum["document"].slug, "docx"]))
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "[should (MA, US)] [may (FR)]" in xml


def test_pdf_source_prints_the_brackets_in_lead_and_text(client, forum):
    from drafting.export import pdf, snapshot

    _bracket(client, forum)
    _bracket(client, forum, field="body", passage="yearly", alternative_1="monthly")
    source = pdf.source(snapshot.build(forum["document"]))
    assert pdf.escape("States [should (MA, US)] [may (FR)] establish") in source
    assert pdf.escape("reports [yearly (MA, US)] [monthly (FR)]") in source
    assert pdf.escape("[[") not in source  # the syntax itself never reaches the PDF


@pytest.mark.parametrize("size", [2, 10])
def test_pages_with_many_brackets_take_a_fixed_number_of_queries(
    client, secretariat, size, django_assert_max_num_queries
):
    us = make_delegation(code=f"U{size}")
    document = make_document(by=secretariat, sections=2, practices=size)
    for practice in Practice.objects.filter(section__document=document):
        actions.update_practice(
            practice,
            by=secretariat,
            heading=f"A [[b]]{{{us.code}}} [[c]]{{}} d {practice.pk}",
            body=f"E [[f]]{{{us.code}}} g.",
            base_revision=practice.revision,
        )
    login(client, secretariat)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("drafting:document-brackets", args=[document.slug]))
    assert response.content.decode().count('class="bracket"') == 2 * size * 3
    with django_assert_max_num_queries(16):
        response = client.get(document.get_absolute_url())
    assert response.content.decode().count("standing-under_negotiation") == 2 * size + 1  # legend
    assert Delegation.objects.filter(code=us.code).exists()


def test_demo_shows_open_brackets_with_their_delegations(client, db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from drafting.demo import content

    call_command("seed_demo", "--quiet-logins")
    user = get_user_model().objects.get(username="observer")
    client.force_login(user)
    document = content.DOCUMENT["slug"]
    page = client.get(reverse("drafting:document-brackets", args=[document])).content.decode()
    assert "<strong>2</strong> open brackets in the document." in page
    assert '<abbr title="Netherlands">NL</abbr>' in page or ">NL</abbr>" in page
    text_page = client.get(reverse("drafting:document-detail", args=[document])).content.decode()
    assert "2 open square brackets" in text_page
    assert '[radicalisation<span class="bracket-by"> (NL)</span>]' in text_page


def test_printed_brackets_come_back_as_brackets_on_import():
    known = {"US", "MA", "FR"}
    printed = r"States \[should (US, MA)\] [may (FR)] act; see [Annex (A)] and [x (ZZ)]."
    assert brackets.from_printed(printed, known) == (
        "States [[should]]{US, MA} [[may]]{FR} act; see [Annex (A)] and [x (ZZ)]."
    )
    assert brackets.from_printed(printed, ()) == printed  # no forum codes: left as typed

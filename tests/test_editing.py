"""Editing in the browser's forms: who may do what, conflict-safe saves, bad input."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from drafting import actions
from drafting.history import stamp
from drafting.models import Practice, Section
from tests.conftest import NOT_AGREED, login, make_document
from tests.html_safety import live_html_problems

INJECTIONS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
]


@pytest.fixture
def practice(document) -> Practice:
    return (
        Practice.objects.filter(section__document=document)
        .order_by("section__position", "position")
        .first()
    )


def _edit(client, practice, **overrides):
    data = {
        "heading": "A revised heading",
        "body": "A revised *body*.",
        "base_revision": practice.revision,
        "reason": "Tightened the wording.",
    }
    data.update(overrides)
    return client.post(reverse("drafting:practice-edit", args=[practice.pk]), data)


# ---- who may edit ---------------------------------------------------------------------------


def _endpoints(document):
    section, last_section = document.sections.order_by("position")[:2]
    practice, other = section.practices.order_by("position")[:2]
    edit = {"heading": "H", "body": "B", "base_revision": practice.revision, "reason": ""}
    # Moves go to rows the edits above them leave alone: a move carries the revision seen.
    move = {"direction": "down", "seen_revision": other.revision}
    section_move = {"direction": "up", "seen_revision": last_section.revision}
    return [
        ("get", reverse("drafting:practice-edit", args=[practice.pk]), {}),
        ("post", reverse("drafting:practice-edit", args=[practice.pk]), edit),
        ("get", reverse("drafting:practice-add", args=[section.pk]), {}),
        (
            "post",
            reverse("drafting:practice-add", args=[section.pk]),
            {"heading": "New", "body": ""},
        ),
        ("post", reverse("drafting:practice-move", args=[other.pk]), move),
        ("get", reverse("drafting:practice-delete", args=[practice.pk]), {}),
        (
            "post",
            reverse("drafting:section-edit", args=[section.pk]),
            {"title": "T", "introduction": "", "base_revision": section.revision},
        ),
        ("post", reverse("drafting:section-add", args=[document.slug]), {"title": "New section"}),
        ("post", reverse("drafting:section-move", args=[last_section.pk]), section_move),
        ("post", reverse("drafting:practice-preview"), {"body": "*x*"}),
        ("post", reverse("drafting:practice-presence", args=[practice.pk]), {"base_revision": 1}),
    ]


def test_anonymous_is_sent_to_login_for_every_editing_endpoint(client, document):
    for method, url, data in _endpoints(document):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_observer_gets_a_403_that_says_why_and_nothing_changes(client, observer, document):
    login(client, observer)
    before = Practice.history.count(), Section.history.count()
    for method, url, data in _endpoints(document):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert "Observers can read the draft but not change it." in response.content.decode() or (
            "Only experts and the secretariat" in response.content.decode()
        ), url
    assert (Practice.history.count(), Section.history.count()) == before


@pytest.mark.parametrize("role", ["expert", "secretariat"])
def test_drafters_may_use_every_editing_endpoint(role, client, request, document):
    login(client, request.getfixturevalue(role))
    for method, url, data in _endpoints(document):
        response = getattr(client, method)(url, data)
        assert response.status_code in {200, 302}, (url, response.status_code)


def test_edit_controls_only_for_those_who_may_edit(client, observer, expert, document):
    section = document.sections.first()
    login(client, observer)
    page = client.get(section.get_absolute_url()).content.decode()
    assert "Edit title and introduction" not in page
    assert reverse("drafting:practice-edit", args=[section.practices.first().pk]) not in page
    assert "Observers can read the draft" in page
    login(client, expert)
    page = client.get(section.get_absolute_url()).content.decode()
    assert reverse("drafting:practice-edit", args=[section.practices.first().pk]) in page


def test_section_in_review_is_locked_for_experts_but_not_the_secretariat(
    client, expert, secretariat, practice
):
    section = practice.section
    section.status = Section.Status.IN_REVIEW
    section.save()
    response = _edit(login(client, expert), practice)
    assert response.status_code == 403
    assert "propose an amendment" in response.content.decode()
    response = _edit(login(client, secretariat), practice)
    assert response.status_code == 302


def test_approved_section_is_locked_for_everyone(client, secretariat, practice):
    section = practice.section
    section.status = Section.Status.APPROVED
    section.save()
    response = _edit(login(client, secretariat), practice)
    assert response.status_code == 403
    assert "must be reopened" in response.content.decode()


def test_get_on_post_only_endpoints_is_405(client, expert, practice):
    login(client, expert)
    for url in [
        reverse("drafting:practice-preview"),
        reverse("drafting:practice-presence", args=[practice.pk]),
    ]:
        assert client.get(url).status_code == 405, url
    # A section's step asks first: GET is the question, and it moves nothing.
    url = reverse("drafting:section-move", args=[practice.section_id])
    before = Section.history.count()
    assert client.get(url, {"direction": "down"}).status_code == 200
    assert Section.history.count() == before


# ---- saving ---------------------------------------------------------------------------------


def test_save_records_user_reason_and_new_revision(client, expert, practice):
    response = _edit(login(client, expert), practice)
    assert response.status_code == 302
    practice.refresh_from_db()
    assert (practice.heading, practice.body, practice.revision) == (
        "A revised heading",
        "A revised *body*.",
        2,
    )
    row = practice.history.latest()
    assert (row.history_user, row.history_change_reason) == (expert, "Tightened the wording.")
    page = client.get(response["Location"]).content.decode()
    assert "A revised <em>body</em>." in page


def test_htmx_save_returns_the_updated_fragment(client, expert, practice):
    login(client, expert)
    response = client.post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {"heading": "Swapped in", "body": "", "base_revision": 1, "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>Swapped in</strong>" in body
    assert "<html" not in body
    assert "Good Practice 1 saved (revision 2)." in body  # confirmed in place, and spoken
    assert '<div id="live-status" hx-swap-oob="true"' in body


def test_stale_save_is_refused_and_keeps_text(client, expert, other_expert, practice):
    first, second = Client(), Client()
    login(first, expert)
    login(second, other_expert)
    history_before = practice.history.count()

    assert (
        _edit(
            first, practice, heading="Expert one's heading", body="The first wording."
        ).status_code
        == 302
    )
    response = _edit(
        second, practice, heading="Expert two's heading", body="The second wording, kept."
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "Your edit overlaps with changes" in page
    assert "The second wording, kept." in page  # their own text, still in the form
    assert '<ins class="theirs"' in page and '<ins class="mine"' in page  # both versions
    assert 'name="base_revision" value="1"' in page and 'name="seen_revision" value="2"' in page
    practice.refresh_from_db()
    assert practice.body == "The first wording."
    assert practice.history.count() == history_before + 1

    # Choosing per region shows the merged text; saving it builds on the current revision.
    form = {
        "heading": "Expert two's heading",
        "body": "The second wording, kept.",
        "base_revision": 1,
        "reason": "",
        "step": "choose",
        "seen_revision": 2,
        "regions": _between(page, 'name="regions" value="', '"'),
        "choice-heading-0": "mine",
        "choice-body-0": "mine",
    }
    review = second.post(reverse("drafting:practice-edit", args=[practice.pk]), form)
    assert review.status_code == 200
    assert "Save merged text" in review.content.decode()
    merged = _edit(
        second,
        practice,
        heading="Expert two's heading",
        body="The second wording, kept.",
        base_revision=2,
        step="review",
        merge_base=1,
        **{"choice-heading-0": "mine", "choice-body-0": "mine"},
    )
    assert merged.status_code == 302
    practice.refresh_from_db()
    assert (practice.body, practice.revision) == ("The second wording, kept.", 3)


def _between(page: str, before: str, after: str) -> str:
    start = page.index(before) + len(before)
    return page[start : page.index(after, start)]


def test_empty_heading_and_overlong_body_are_refused_next_to_the_field(client, expert, practice):
    login(client, expert)
    response = _edit(client, practice, heading="   ")
    assert response.status_code == 422
    assert "A practice needs a heading." in response.content.decode()
    response = _edit(client, practice, body="x" * 20_001)
    assert response.status_code == 422
    assert "the limit is 20,000" in response.content.decode()
    practice.refresh_from_db()
    assert practice.revision == 1


def test_text_nested_too_deep_is_refused_next_to_the_field(client, expert, practice):
    """The text format's one rule (drafting/text.py), said where the text was typed."""
    login(client, expert)
    deep = "> " * 18 + "x"
    message = "Quotes and lists can be nested at most 8 levels deep; this text has 18."
    section = practice.section
    posts = [
        (reverse("drafting:practice-edit", args=[practice.pk]), {"heading": "H", "body": deep}),
        (reverse("drafting:practice-add", args=[section.pk]), {"heading": "H", "body": deep}),
        (
            reverse("drafting:section-edit", args=[section.pk]),
            {"title": "T", "introduction": deep, "base_revision": section.revision},
        ),
        (
            reverse("drafting:amendment-propose-change", args=[practice.pk]),
            {"heading": "H", "body": deep, "rationale": "R"},
        ),
    ]
    for url, data in posts:
        data = {"base_revision": practice.revision, **data}
        response = client.post(url, data)
        assert response.status_code == 422, url
        assert message in response.content.decode(), url
    practice.refresh_from_db()
    section.refresh_from_db()
    assert (practice.revision, section.revision, section.practices.count()) == (1, 1, 3)
    assert not practice.amendments.exists()
    # Eight levels are fine.
    response = _edit(client, practice, body="> - " * 4 + "x")
    assert response.status_code == 302


def test_tampered_base_revision_is_a_form_error(client, expert, practice):
    response = _edit(login(client, expert), practice, base_revision="abc")
    assert response.status_code == 422
    assert "Reload the page" in response.content.decode()


def test_unknown_ids_are_404(client, expert):
    login(client, expert)
    assert client.get(reverse("drafting:practice-edit", args=[999999])).status_code == 404
    assert client.get(reverse("drafting:section-detail", args=[999999])).status_code == 404
    assert (
        client.post(
            reverse("drafting:practice-move", args=[999999]), {"direction": "up"}
        ).status_code
        == 404
    )


def test_missing_csrf_token_is_refused(expert, practice):
    client = Client(enforce_csrf_checks=True)
    login(client, expert)
    response = _edit(client, practice)
    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.revision == 1


def test_injection_payloads_never_come_out_as_live_html(client, expert, practice):
    login(client, expert)
    section = practice.section
    for payload in INJECTIONS:
        assert (
            _edit(
                client,
                practice,
                heading=f"H {payload}",
                body=f"B {payload}",
                reason=payload,
                base_revision=Practice.objects.get(pk=practice.pk).revision,
            ).status_code
            == 302
        )
        sec = Section.objects.get(pk=section.pk)
        response = client.post(
            reverse("drafting:section-edit", args=[section.pk]),
            {"title": f"T {payload}", "introduction": payload, "base_revision": sec.revision},
        )
        assert response.status_code == 302
        for url in [section.get_absolute_url(), section.document.get_absolute_url()]:
            page = client.get(url).content.decode()
            assert live_html_problems(page) == [], url
            assert "<" not in payload or payload not in page  # markup only ever escaped


# ---- structure ------------------------------------------------------------------------------


def test_add_after_move_and_delete_through_the_forms(client, expert, document):
    login(client, expert)
    section = document.sections.order_by("position").first()
    first = section.practices.order_by("position").first()
    response = client.post(
        reverse("drafting:practice-add", args=[section.pk]),
        {"heading": "Inserted second", "body": "", "after": first.pk, "reason": "Gap in coverage."},
    )
    assert response.status_code == 302
    inserted = Practice.objects.get(heading="Inserted second")
    assert [p.heading for p in section.practices.order_by("position")][:2] == [
        "Practice 1.1",
        "Inserted second",
    ]
    assert inserted.history.get().history_change_reason == "Gap in coverage."

    other = document.sections.order_by("position").last()
    response = client.post(
        reverse("drafting:practice-move", args=[inserted.pk]),
        {"target": f"{other.pk}:first", "reason": "", "seen_revision": 1},
    )
    assert response.status_code == 302
    assert other.practices.order_by("position").first() == inserted

    # The move was a change of the practice (revision 2); the next step is made from it.
    response = client.post(
        reverse("drafting:practice-move", args=[inserted.pk]),
        {"direction": "up", "seen_revision": 2},
    )
    assert response.status_code == 302
    inserted.refresh_from_db()
    assert inserted.section == section  # crossed back into the previous section, at its end

    inserted.refresh_from_db()
    response = client.post(
        reverse("drafting:practice-delete", args=[inserted.pk]),
        {"reason": "Duplicate.", "base_revision": inserted.revision},
    )
    assert response.status_code == 302
    assert not Practice.objects.filter(pk=inserted.pk).exists()
    row = Practice.history.filter(id=inserted.pk).latest()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "-",
        expert,
        "Duplicate.",
    )


def test_moving_past_the_ends_says_why(client, expert, document):
    login(client, expert)
    first = (
        Practice.objects.filter(section__document=document)
        .order_by("section__position", "position")
        .first()
    )
    response = client.post(
        reverse("drafting:practice-move", args=[first.pk]), {"direction": "up", "seen_revision": 1}
    )
    assert response.status_code == 422
    assert "already the first practice of the document" in response.content.decode()


def test_move_to_a_section_of_another_document_is_refused(client, expert, secretariat, practice):
    elsewhere = make_document(by=secretariat).sections.first()
    response = login(client, expert).post(
        reverse("drafting:practice-move", args=[practice.pk]),
        {"target": f"{elsewhere.pk}:first", "seen_revision": practice.revision},
    )
    assert response.status_code == 422
    assert "not part of this document" in response.content.decode()
    practice.refresh_from_db()
    assert practice.section.document != elsewhere.document


def test_section_add_edit_move_delete(client, secretariat, document):
    login(client, secretariat)
    response = client.post(
        reverse("drafting:section-add", args=[document.slug]),
        {"title": "Cross-cutting issues", "introduction": ""},
    )
    assert response.status_code == 302
    new = Section.objects.get(title="Cross-cutting issues")
    assert list(document.sections.order_by("position"))[-1] == new
    client.post(
        reverse("drafting:section-move", args=[new.pk]), {"direction": "up", "seen_revision": 1}
    )
    assert list(document.sections.order_by("position"))[-2] == new
    # The move is a change of the section (revision 2): an edit starts from it.
    response = client.post(
        reverse("drafting:section-edit", args=[new.pk]),
        {
            "title": "Cross-cutting considerations",
            "introduction": "Apply *throughout*.",
            "base_revision": 2,
        },
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.title, new.revision) == ("Cross-cutting considerations", 3)
    stale = client.post(
        reverse("drafting:section-edit", args=[new.pk]),
        {"title": "Stale title", "introduction": "", "base_revision": 2},
    )
    assert stale.status_code == 409
    assert "Stale title" in stale.content.decode()
    victim = document.sections.order_by("position").first()
    practice_ids = list(victim.practices.values_list("pk", flat=True))
    seen = actions.section_fingerprint(victim, victim.practices.all())
    response = client.post(
        reverse("drafting:section-delete", args=[victim.pk]),
        {"reason": "Merged elsewhere.", "seen": seen},
    )
    assert response.status_code == 302
    assert not Section.objects.filter(pk=victim.pk).exists()
    deleted = Practice.history.filter(id__in=practice_ids, history_type="-")
    assert deleted.count() == len(practice_ids)
    assert set(deleted.values_list("history_change_reason", flat=True)) == {"Merged elsewhere."}


# ---- preview and presence -------------------------------------------------------------------


def test_preview_uses_the_document_renderer(client, expert):
    response = login(client, expert).post(
        reverse("drafting:practice-preview"),
        {"body": "**Bold** and <script>x</script>\n\nA[^1]\n\n[^1]: Note."},
    )
    body = response.content.decode()
    assert "<strong>Bold</strong>" in body
    assert "<script>" not in body
    assert "footnote" in body


def test_preview_renders_an_introduction_too(client, secretariat):
    """A section's or document's introduction is posted under its own name."""
    response = login(client, secretariat).post(
        reverse("drafting:practice-preview"), {"introduction": "*Scope* of <b>this</b>"}
    )
    body = response.content.decode()
    assert "<em>Scope</em>" in body
    assert "<b>" not in body


def test_presence_shows_who_else_is_editing_and_staleness(client, expert, other_expert, practice):
    url = reverse("drafting:practice-presence", args=[practice.pk])
    one, two = Client(), Client()
    login(one, expert)
    login(two, other_expert)
    assert "is editing" not in one.post(url, {"base_revision": 1}).content.decode()
    seen = two.post(url, {"base_revision": 1}).content.decode()
    assert (
        f"{expert.get_full_name()} ({expert.profile.delegation.name}) is editing this practice"
        in seen
    )
    actions.update_practice(practice, by=expert, heading="Changed", body="", base_revision=1)
    stale = two.post(url, {"base_revision": 1}).content.decode()
    assert "was changed by" in stale and "now revision 2" in stale
    # The section page marks the practice as being edited for others.
    page = two.get(practice.section.get_absolute_url()).content.decode()
    assert "is editing" in page


# ---- performance ----------------------------------------------------------------------------


@pytest.mark.parametrize("per_section", [2, 40])
def test_section_page_query_count_does_not_grow(
    per_section, client, expert, secretariat, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=5, practices=per_section)
    section = document.sections.order_by("position")[2]
    login(client, expert)
    # 12, +2 for the positions and the agreement status under each practice (issue 14).
    with django_assert_max_num_queries(14):
        response = client.get(section.get_absolute_url())
    assert response.status_code == 200
    assert f"Good Practice {2 * per_section + 1}</h3>" in response.content.decode()


# ---- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_from_one_revision_accept_exactly_one(expert, secretariat):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks across connections are exercised on PostgreSQL (CI's second pass).")
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def save(n: int) -> None:
        try:
            barrier.wait()
            actions.update_practice(
                Practice.objects.get(pk=practice.pk),
                by=expert,
                heading=f"Writer {n}",
                body="",
                base_revision=1,
            )
            outcomes.append("saved")
        except actions.StaleRevision:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["saved"]
    practice.refresh_from_db()
    assert practice.revision == 2
    assert practice.history.filter(history_type="~").count() == 1


def test_deleting_records_what_happens_to_amendments_and_comments(
    client, expert, secretariat, document
):
    from drafting.models import Amendment, Comment

    section = document.sections.order_by("position").first()
    practice = section.practices.order_by("position").first()
    amendment = actions.propose_change(
        practice, by=expert, heading="Other", body="", rationale="Why."
    )
    comment = Comment(section=section, practice=practice, author=expert, body="A thought.")
    stamp(comment, by=expert)
    comment.save()

    actions.delete_practice(practice, by=secretariat, reason="Merged.")
    amendment.refresh_from_db()
    comment.refresh_from_db()
    assert amendment.practice is None and comment.practice is None  # kept, on the section
    assert amendment.history.latest().history_user == secretariat
    assert comment.history.latest().history_user == secretariat

    actions.delete_section(section, by=secretariat, reason="Dropped.")
    for model, pk in ((Amendment, amendment.pk), (Comment, comment.pk)):
        row = model.history.filter(id=pk).latest()
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "-",
            secretariat,
            "Dropped.",
        )


def test_presence_is_refused_where_the_user_may_not_edit(client, expert, secretariat, practice):
    from django.core.exceptions import PermissionDenied

    from drafting.models import Document, EditingPresence

    url = reverse("drafting:practice-presence", args=[practice.pk])
    section = practice.section
    actions.request_review(section, by=secretariat)
    # In review: the secretariat still edits, an expert proposes amendments instead.
    assert login(client, secretariat).post(url, {"base_revision": 1}).status_code == 200
    refused = login(client, expert).post(url, {"base_revision": 1})
    assert refused.status_code == 403 and "propose an amendment" in refused.content.decode()
    actions.approve_section(
        Section.objects.get(pk=section.pk), by=secretariat, not_agreed_reason=NOT_AGREED
    )
    refused = login(client, secretariat).post(url, {"base_revision": 1})
    assert refused.status_code == 403 and "is approved" in refused.content.decode()
    assert list(EditingPresence.objects.values_list("user", flat=True)) == [secretariat.pk]
    # The action holds the rule too, for any caller.
    practice = Practice.objects.select_related("section__document").get(pk=practice.pk)
    with pytest.raises(PermissionDenied, match="is approved"):
        actions.heartbeat(practice, user=secretariat, base_revision=1)
    document = practice.section.document
    document.status = Document.Status.ADOPTED
    stamp(document, by=secretariat, reason="Adopted (test set-up).")
    document.save()
    refused = client.post(url, {"base_revision": 1})
    assert refused.status_code == 403 and "adopted" in refused.content.decode()


def test_presence_refuses_impossible_revisions(client, expert, practice):
    url = reverse("drafting:practice-presence", args=[practice.pk])
    login(client, expert)
    for bad in ("", "abc", "0", str(2**70)):
        assert client.post(url, {"base_revision": bad}).status_code == 400, bad


def test_malformed_after_parameters_are_not_server_errors(client, expert, document):
    section = document.sections.first()
    login(client, expert)
    for bad in ("abc", str(2**70), "-5"):
        for url in (
            reverse("drafting:practice-add", args=[section.pk]) + f"?after={bad}",
            reverse("drafting:section-add", args=[document.slug]) + f"?after={bad}",
        ):
            assert client.get(url).status_code in {400, 404}, url

"""The admin: the draft is read-only there (history pages stay); the forum's register is stamped.

An admin save would not bump a practice's revision nor check the workflow, so an
expert's form opened before it would save over it silently: draft content changes
only through the application. Delegations, working groups and profiles have no
page in the application and no revision a person saw, so the admin keeps them,
naming who changed what.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from drafting import actions
from drafting.models import (
    AgendaItem,
    Amendment,
    Comment,
    Delegation,
    Document,
    ExpertProfile,
    Practice,
    ReviewMeeting,
    Section,
    Version,
)
from tests.conftest import login, make_document

# The models of the draft and a text field an admin POST would try to change.
DRAFT = {
    Document: "title",
    Section: "title",
    Practice: "heading",
    Version: "name",
    ReviewMeeting: "title",
    AgendaItem: "position",
    Amendment: "rationale",
    Comment: "body",
}


@pytest.fixture
def admin_client(client, secretariat):
    secretariat.is_staff = secretariat.is_superuser = True
    secretariat.save()
    return login(client, secretariat)


@pytest.fixture
def draft(secretariat, expert) -> dict:
    """One saved row of every draft model, each written through its action."""
    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    practice = section.practices.get()
    actions.save_meeting(
        document,
        by=secretariat,
        fields={
            "kind": ReviewMeeting.Kind.REVIEW,
            "status": ReviewMeeting.Status.CANCELLED,
            "title": "Rabat review meeting",
            "theme": "",
            "city": "Rabat",
            "starts_on": date(2018, 5, 12),
            "ends_on": date(2018, 5, 13),
            "outcome": "",
        },
        participants=[],
        agenda=[section],
    )
    actions.name_version(document, by=secretariat, name="Draft 1")
    actions.propose_change(
        practice, by=expert, heading="Proposed", body="Proposed body.", rationale="Clearer."
    )
    actions.add_comment(section, by=expert, body="A remark.", practice=practice)
    return {model: model.objects.get() for model in DRAFT} | {Document: document}


def _url(obj, view: str, *args) -> str:
    """The admin URL of ``view`` for a row or a model class."""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _state(model) -> tuple[list[dict], int]:
    """Every row of ``model`` and the number of its history rows: what a refusal must keep."""
    rows = [model_to_dict(obj) for obj in model.objects.order_by("pk")]
    return rows, model.history.count()


@pytest.mark.parametrize("model", DRAFT, ids=lambda m: m.__name__)
def test_draft_change_page_is_read_only_and_its_history_page_works(admin_client, draft, model):
    obj = draft[model]
    page = admin_client.get(_url(obj, "change", obj.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="readonly"' in html
    assert 'name="_save"' not in html
    assert _url(obj, "delete", obj.pk) not in html
    history = admin_client.get(_url(obj, "history", obj.pk))
    assert history.status_code == 200
    assert "Revert" not in history.content.decode()
    row = obj.history.earliest()
    old_version = admin_client.get(_url(obj, "simple_history", obj.pk, row.history_id))
    assert old_version.status_code == 200


@pytest.mark.parametrize("model", DRAFT, ids=lambda m: m.__name__)
def test_draft_cannot_be_changed_added_or_deleted_in_the_admin(admin_client, draft, model):
    obj = draft[model]
    field = DRAFT[model]
    data = {k: v for k, v in model_to_dict(obj).items() if v is not None}
    data[field] = 99 if field == "position" else "Changed in the admin"
    before = _state(model)

    changed = admin_client.post(_url(obj, "change", obj.pk), data)
    added = admin_client.post(_url(model, "add"), data)
    deleted = admin_client.post(_url(obj, "delete", obj.pk), {"post": "yes"})
    in_bulk = admin_client.post(
        _url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )

    assert changed.status_code == added.status_code == deleted.status_code == 403
    assert "read-only in the admin" in changed.content.decode()
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.get(_url(obj, "delete", obj.pk)).status_code == 403
    assert in_bulk.status_code == 200
    assert _state(model) == before


def test_draft_changelists_offer_no_add_button_and_no_bulk_actions(admin_client, draft):
    for model in DRAFT:
        html = admin_client.get(_url(model, "changelist")).content.decode()
        assert _url(model, "add") not in html, model
        assert "delete_selected" not in html, model


def test_expert_form_opened_before_an_admin_visit_still_saves_cleanly(
    admin_client, client, draft, expert
):
    """The issue's case: the admin POST changes nothing, so the expert's revision is current."""
    practice = draft[Practice]
    data = model_to_dict(practice) | {"heading": "Admin heading"}
    assert admin_client.post(_url(practice, "change", practice.pk), data).status_code == 403
    saved = actions.update_practice(
        practice,
        by=expert,
        heading="Expert heading",
        body=practice.body,
        base_revision=practice.revision,
    )
    assert saved.heading == "Expert heading"
    assert saved.history.latest().history_user == expert


def test_admin_edit_of_a_delegation_is_stamped_with_who_and_what(admin_client, secretariat):
    response = admin_client.post(
        reverse("admin:drafting_delegation_add"),
        {"name": "Atlantis", "code": "AT", "kind": Delegation.Kind.PARTNER_STATE},
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get(code="AT")
    response = admin_client.post(
        _url(delegation, "change", delegation.pk),
        {"name": "Atlantis", "code": "ATL", "kind": Delegation.Kind.PARTNER_STATE},
    )
    assert response.status_code == 302
    added, changed = delegation.history.order_by("history_id")
    assert (added.history_user, added.history_change_reason) == (secretariat, "Added in the admin.")
    assert changed.history_user == secretariat
    assert changed.history_change_reason == "Changed in the admin: short code."
    assert changed.code == "ATL"


def test_forum_register_is_never_deleted_from_the_admin(admin_client, expert):
    profile = expert.profile
    delegation = profile.delegation
    for obj in (profile, delegation):
        assert admin_client.post(_url(obj, "delete", obj.pk), {"post": "yes"}).status_code == 403
        changelist = admin_client.get(_url(type(obj), "changelist")).content.decode()
        assert "delete_selected" not in changelist
    assert ExpertProfile.objects.filter(pk=profile.pk).exists()
    assert Delegation.objects.filter(pk=delegation.pk).exists()


def test_experts_without_staff_status_do_not_reach_the_admin(client, expert, draft):
    login(client, expert)
    practice = draft[Practice]
    response = client.get(_url(practice, "change", practice.pk))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_roles_and_active_accounts_are_changed_on_the_people_pages_not_in_the_admin(
    admin_client, secretariat, expert
):
    """The admin would skip change_role's and deactivate_person's checks and records."""
    profile = secretariat.profile
    refused = admin_client.post(
        _url(profile, "change", profile.pk),
        {"user": secretariat.pk, "delegation": "", "role": ExpertProfile.Role.OBSERVER},
    )
    assert refused.status_code == 403
    assert "People pages" in refused.content.decode()
    profile.refresh_from_db()
    assert profile.role == ExpertProfile.Role.SECRETARIAT

    page = admin_client.get(_url(expert, "change", expert.pk)).content.decode()
    assert 'name="is_active"' not in page
    data = {
        "username": expert.username,
        "first_name": "Renamed",
        "last_name": expert.last_name,
        "email": expert.email,
        "date_joined_0": "2025-01-01",
        "date_joined_1": "10:00:00",
    }  # "is_active" left out, as an unticked box is: it must stay ticked
    response = admin_client.post(_url(expert, "change", expert.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    expert.refresh_from_db()
    assert (expert.first_name, expert.is_active) == ("Renamed", True)

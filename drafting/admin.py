"""Admin: the draft is read-only here; the forum's register is kept here, stamped.

Draft content (documents, sections, practices, versions, meetings and their
agendas, amendments, comments) changes only through ``drafting.actions``: they
lock the row, check the role and the workflow rule, compare the revision the
person saw and say why in history. The admin does none of that — an admin save
would not bump ``revision``, so an expert's form opened before it would save
over it silently — so the admin may look at that content and its history but
not add, change or delete it.

The forum's register of delegations and working groups has no page in the
application: the admin is where a secretariat keeps it. No form in the
application edits those rows, so no revision a person saw can go stale; each
admin save is stamped with the admin user and what changed. Nothing is deleted:
amendments and history name delegations.

People's roles and delegations, and whether an account is active, are changed
on the People pages (``drafting.actions.people``), which keep the last
secretariat member, check the delegation rules and record each change as an
account event; here they are read-only.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from drafting.history import stamp
from drafting.models import (
    AdoptionPackage,
    AgendaItem,
    Amendment,
    Comment,
    Delegation,
    Deletion,
    Document,
    ExpertProfile,
    Practice,
    ReviewMeeting,
    Section,
    Version,
    WorkingGroup,
)
from drafting.permissions import refuse_if

DRAFT_IS_READ_ONLY = (
    "The draft is read-only in the admin: change it in the application, which checks "
    "the revision you saw and records why in its history."
)


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's history pages; nothing in them restores an old version."""

    # Bulk actions (delete_selected) would write without a reason; none are offered.
    actions = None

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history hides the revert button when reverting is disabled but
        # still saves a POSTed old version; refuse it (history is read-only here).
        if request.method == "POST" and self.revert_disabled(request):
            refuse_if("Old versions cannot be restored from the admin.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def delete_view(self, request, object_id, extra_context=None):
        refuse_if("Nothing is deleted from the admin: history and amendments refer to it.")


class DraftAdmin(HistoryAdmin):
    """Draft content: the change page shows it read-only; every write is refused with why."""

    read_only_because = DRAFT_IS_READ_ONLY

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django would refuse the POST too, with a bare 403; this one says why.
        if request.method == "POST" or object_id is None:
            refuse_if(self.read_only_because)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        refuse_if(self.read_only_because)


class RegisterAdmin(HistoryAdmin):
    """The forum's register: added and changed here, every save stamped with who and what."""

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            reason = "Added in the admin."
        elif form.changed_data:
            fields = ", ".join(str(form.fields[name].label).lower() for name in form.changed_data)
            reason = f"Changed in the admin: {fields}."
        else:
            reason = "Saved unchanged in the admin."
        stamp(obj, by=request.user, reason=reason)
        super().save_model(request, obj, form, change)


@admin.register(Delegation)
class DelegationAdmin(RegisterAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(RegisterAdmin):
    list_display = ["name"]
    filter_horizontal = ["co_chairs"]


PEOPLE_ARE_READ_ONLY = (
    "Roles and delegations are read-only in the admin: change them on the People pages, "
    "which keep the last secretariat member and record each change."
)


@admin.register(ExpertProfile)
class ExpertProfileAdmin(DraftAdmin):
    list_display = ["user", "delegation", "role"]
    list_filter = ["role"]
    read_only_because = PEOPLE_ARE_READ_ONLY


@admin.register(Document)
class DocumentAdmin(DraftAdmin):
    list_display = ["title", "status", "working_group"]


@admin.register(Section)
class SectionAdmin(DraftAdmin):
    list_display = ["title", "document", "position", "status"]
    list_filter = ["document", "status"]


@admin.register(Practice)
class PracticeAdmin(DraftAdmin):
    list_display = ["heading", "section", "position", "revision"]
    list_filter = ["section__document"]
    search_fields = ["heading", "body"]


@admin.register(Version)
class VersionAdmin(DraftAdmin):
    list_display = ["name", "document", "taken_at", "created_by"]


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(DraftAdmin):
    list_display = ["title", "kind", "city", "starts_on", "status"]
    list_filter = ["kind", "document"]


@admin.register(AgendaItem)
class AgendaItemAdmin(DraftAdmin):
    list_display = ["meeting", "section", "position"]


@admin.register(Amendment)
class AmendmentAdmin(DraftAdmin):
    list_display = ["__str__", "delegation", "status", "created_at"]
    list_filter = ["status", "kind"]


@admin.register(Comment)
class CommentAdmin(DraftAdmin):
    list_display = ["__str__", "resolved", "created_at"]


@admin.register(Deletion)
class DeletionAdmin(HistoryAdmin):
    """Read-only: deletions are made and restored only through drafting.actions.deletions,
    which recreate and re-link the rows they name; an edit here would break that record."""

    list_display = ["__str__", "document", "kind", "deleted_by", "deleted_at", "restored_at"]
    list_filter = ["kind", "document"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AdoptionPackage)
class AdoptionPackageAdmin(DraftAdmin):
    """Read-only: a package is stored once, as built (drafting.actions.packages), never changed.
    The ZIP itself is not shown here; it is downloaded from the document's packages page."""

    list_display = ["__str__", "document", "built_by", "built_at", "text_digest"]
    list_filter = ["document"]
    exclude = ["manifest"]


# User accounts: deletion disabled (see drafting.admin_accounts).
from drafting import admin_accounts  # noqa: E402, F401

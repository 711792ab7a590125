"""Admin: every model, with simple-history's history views (revert is disabled in settings)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from drafting.models import (
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


class HistoryAdmin(SimpleHistoryAdmin):
    """Admin edits are recorded like any other write: the request user is on the row."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history hides the revert button when reverting is disabled but
        # still saves a POSTed old version; refuse it (history is read-only here).
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied("Old versions cannot be restored from the admin.")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Delegation)
class DelegationAdmin(HistoryAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(HistoryAdmin):
    list_display = ["name"]
    filter_horizontal = ["co_chairs"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(HistoryAdmin):
    list_display = ["user", "delegation", "role"]
    list_filter = ["role"]


@admin.register(Document)
class DocumentAdmin(HistoryAdmin):
    list_display = ["title", "status", "working_group"]
    prepopulated_fields = {"slug": ["short_title"]}


@admin.register(Section)
class SectionAdmin(HistoryAdmin):
    list_display = ["title", "document", "position", "status"]
    list_filter = ["document", "status"]


@admin.register(Practice)
class PracticeAdmin(HistoryAdmin):
    list_display = ["heading", "section", "position", "revision"]
    list_filter = ["section__document"]
    search_fields = ["heading", "body"]


@admin.register(Version)
class VersionAdmin(HistoryAdmin):
    list_display = ["name", "document", "taken_at", "created_by"]


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(HistoryAdmin):
    list_display = ["title", "kind", "city", "starts_on", "status"]
    list_filter = ["kind", "document"]


@admin.register(AgendaItem)
class AgendaItemAdmin(HistoryAdmin):
    list_display = ["meeting", "section", "position"]


@admin.register(Amendment)
class AmendmentAdmin(HistoryAdmin):
    list_display = ["__str__", "delegation", "status", "created_at"]
    list_filter = ["status", "kind"]


@admin.register(Comment)
class CommentAdmin(HistoryAdmin):
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


# User accounts: deletion disabled (see drafting.admin_accounts).
from drafting import admin_accounts  # noqa: E402, F401

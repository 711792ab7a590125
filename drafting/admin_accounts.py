"""Admin for user accounts: deactivate, never delete, so history keeps every author."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()


class AccountAdmin(UserAdmin):
    """Django's user admin without deletion.

    "Active" is shown, not changed: leavers are deactivated on the People pages
    (drafting.actions.people), which end their sessions, keep the last
    secretariat member and record the change.
    """

    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "is_active"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AccountAdmin)

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drafting import workflow
from drafting.views import accounts as account_views
from drafting.views import (
    amendments,
    brackets,
    comments,
    dashboard,
    deletions,
    documents,
    health,
    imports,
    notifications,
    people,
    positions,
    practices,
    sections,
    session,
)
from drafting.views import exports as export_views
from drafting.views import history as history_views
from drafting.views import meetings as meeting_views
from drafting.views import packages as package_views
from drafting.views import periods as period_views
from drafting.views import silence as silence_views
from drafting.views import workflow as workflow_views

drafting_patterns = [
    path("", documents.home, name="home"),
    # Starting a document from a Word or Markdown draft (issue 12): upload, preview, confirm.
    path("imports/new/", imports.import_start, name="import-start"),
    path("imports/<str:token>/", imports.import_preview, name="import-preview"),
    path("imports/<str:token>/cancel/", imports.import_cancel, name="import-cancel"),
    # People (issue 12): the secretariat invites experts, changes roles, deactivates accounts.
    path("people/", people.people_list, name="people-list"),
    path("people/invite/", people.people_invite, name="people-invite"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/role/", people.person_role, name="person-role"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person-reactivate"),
    path("people/<int:pk>/invite-again/", people.person_resend, name="person-resend"),
    # Notifications (issue 15): mine, newest first; marking them read; which e-mails I get.
    path("notifications/", notifications.notification_list, name="notification-list"),
    path("notifications/read/", notifications.notification_read_all, name="notification-read-all"),
    path(
        "accounts/notifications/",
        notifications.notification_preferences,
        name="notification-preferences",
    ),
    # Asked by session.js while someone types: keeps the session alive, or says it ended.
    path("session/keep-alive/", session.keep_alive, name="session-keep-alive"),
    # Setting a document up without the admin (issue 12); "new" is not a document's slug.
    path("documents/new/", documents.document_create, name="document-create"),
    path("documents/<slug:slug>/", documents.document_detail, name="document-detail"),
    path("documents/<slug:slug>/edit/", documents.document_edit, name="document-edit"),
    # Renumber now, under the keep-numbers rule ("7 bis"): a confirmation page, then one change.
    path("documents/<slug:slug>/renumber/", documents.document_renumber, name="document-renumber"),
    path("documents/<slug:slug>/import/", imports.document_import, name="document-import"),
    path(
        "documents/<slug:slug>/import/<str:token>/",
        imports.document_import_preview,
        name="document-import-preview",
    ),
    path("sections/<int:pk>/", sections.section_detail, name="section-detail"),
    path("documents/<slug:slug>/sections/add/", sections.section_add, name="section-add"),
    path("sections/<int:pk>/edit/", sections.section_edit, name="section-edit"),
    path("sections/<int:pk>/move/", sections.section_move, name="section-move"),
    path("sections/<int:pk>/delete/", sections.section_delete, name="section-delete"),
    path("sections/<int:pk>/practices/add/", practices.practice_add, name="practice-add"),
    path("practices/preview/", practices.practice_preview, name="practice-preview"),
    path("practices/<int:pk>/", practices.practice_detail, name="practice-detail"),
    path("practices/<int:pk>/edit/", practices.practice_edit, name="practice-edit"),
    path("practices/<int:pk>/presence/", practices.practice_presence, name="practice-presence"),
    path("practices/<int:pk>/move/", practices.practice_move, name="practice-move"),
    path("practices/<int:pk>/delete/", practices.practice_delete, name="practice-delete"),
    # Deleting and restoring: nothing is deleted for good.
    path("documents/<slug:slug>/deleted/", deletions.document_deleted, name="document-deleted"),
    path("deletions/<int:pk>/restore/", deletions.deletion_restore, name="deletion-restore"),
    # Review workflow (issue 4). Transition URLs come from the state tables in workflow.py:
    # drafting:section-approve, drafting:document-finalise, ...
    *[
        path(
            f"sections/<int:pk>/{name}/",
            workflow_views.section_transition,
            {"name": name},
            name=f"section-{name}",
        )
        for name in workflow.SECTION_TRANSITIONS
    ],
    *[
        path(
            f"documents/<slug:slug>/{name}/",
            workflow_views.document_transition,
            {"name": name},
            name=f"document-{name}",
        )
        for name in workflow.DOCUMENT_TRANSITIONS
    ],
    path(
        "documents/<slug:slug>/dashboard/", dashboard.document_dashboard, name="document-dashboard"
    ),
    path("documents/<slug:slug>/meetings/", meeting_views.meeting_list, name="meeting-list"),
    path(
        "documents/<slug:slug>/meetings/new/", meeting_views.meeting_create, name="meeting-create"
    ),
    path("meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", meeting_views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/circulate/", meeting_views.meeting_circulate, name="meeting-circulate"),
    path("documents/<slug:slug>/versions/", workflow_views.version_list, name="version-list"),
    path(
        "documents/<slug:slug>/versions/<int:pk>/",
        workflow_views.version_detail,
        name="version-detail",
    ),
    path(
        "documents/<slug:slug>/versions/new/", workflow_views.version_create, name="version-create"
    ),
    path("documents/<slug:slug>/amendments/", amendments.amendment_list, name="amendment-list"),
    path("practices/<int:pk>/amend/", amendments.propose_change, name="amendment-propose-change"),
    path(
        "practices/<int:pk>/propose-deletion/",
        amendments.propose_deletion,
        name="amendment-propose-deletion",
    ),
    path(
        "sections/<int:pk>/propose-practice/",
        amendments.propose_practice,
        name="amendment-propose-practice",
    ),
    path("amendments/<int:pk>/", amendments.amendment_detail, name="amendment-detail"),
    path("amendments/<int:pk>/accept/", amendments.amendment_accept, name="amendment-accept"),
    path("amendments/<int:pk>/reject/", amendments.amendment_reject, name="amendment-reject"),
    path("amendments/<int:pk>/withdraw/", amendments.amendment_withdraw, name="amendment-withdraw"),
    path("documents/<slug:slug>/comments/", comments.comment_list, name="comment-list"),
    path("sections/<int:pk>/comments/", comments.comment_create, name="comment-create"),
    path("comments/<int:pk>/reply/", comments.comment_reply, name="comment-reply"),
    path("comments/<int:pk>/resolve/", comments.comment_resolve, name="comment-resolve"),
    path("comments/<int:pk>/unresolve/", comments.comment_unresolve, name="comment-unresolve"),
    # Delegations' positions (issue 14): one delegation's position on a practice, the
    # secretariat's record of reservations, the matrix and its files.
    path("practices/<int:pk>/position/", positions.position_set, name="position-set"),
    path("positions/<int:pk>/record/", positions.reservation_record, name="position-record"),
    path("practices/<int:pk>/agreement/", positions.agreement_set, name="agreement-set"),
    # Square brackets (issue 14): a practice's brackets, support, resolution; the open list.
    path("practices/<int:pk>/brackets/", brackets.practice_brackets, name="practice-brackets"),
    path("practices/<int:pk>/brackets/support/", brackets.bracket_support, name="bracket-support"),
    path("practices/<int:pk>/brackets/resolve/", brackets.bracket_resolve, name="bracket-resolve"),
    path("documents/<slug:slug>/brackets/", brackets.document_brackets, name="document-brackets"),
    path("documents/<slug:slug>/positions/", positions.position_matrix, name="position-matrix"),
    path(
        "documents/<slug:slug>/positions/export/<str:fmt>/",
        positions.position_export,
        name="position-export",
    ),
    # History and redlines (issue 3).
    path("practices/<int:pk>/history/", history_views.practice_history, name="practice-history"),
    path("practices/<int:pk>/compare/", history_views.practice_compare, name="practice-compare"),
    path("practices/<int:pk>/restore/", history_views.practice_restore, name="practice-restore"),
    path("practices/<int:pk>/undelete/", history_views.practice_undelete, name="practice-undelete"),
    path("sections/<int:pk>/history/", history_views.section_history, name="section-history"),
    path(
        "documents/<slug:slug>/changes/",
        history_views.document_changes,
        name="document-changes",
    ),
    path("documents/<slug:slug>/search/", history_views.document_search, name="document-search"),
    # Exports (issue 6): the document now, at a version (?version=ID), at a meeting's opening
    # (?meeting=ID) or a date (?at=ISO), and redlines between two of those.
    path(
        "documents/<slug:slug>/export/<str:fmt>/",
        export_views.document_export,
        name="document-export",
    ),
    path("documents/<slug:slug>/exports/", export_views.document_exports, name="document-exports"),
    path("documents/<slug:slug>/redline/", export_views.document_redline, name="document-redline"),
    path(
        "documents/<slug:slug>/exports/<str:token>/",
        export_views.export_job,
        name="export-job",
    ),
    path(
        "documents/<slug:slug>/exports/<str:token>/file/",
        export_views.export_job_file,
        name="export-job-file",
    ),
    # Adoption packages (issue 14): the list with digests, building one, downloading one.
    path("documents/<slug:slug>/packages/", package_views.package_list, name="package-list"),
    path(
        "documents/<slug:slug>/packages/build/",
        package_views.package_build,
        name="package-build",
    ),
    path(
        "documents/<slug:slug>/packages/<int:pk>/",
        package_views.package_download,
        name="package-download",
    ),
    # Comment periods (issue 15): open one on a version, send in during it, the
    # compilation text and the disposition table (pages and files).
    path("documents/<slug:slug>/periods/", period_views.period_list, name="period-list"),
    path("documents/<slug:slug>/periods/new/", period_views.period_create, name="period-create"),
    path("periods/<int:pk>/", period_views.period_detail, name="period-detail"),
    path("periods/<int:pk>/submit/", period_views.period_submit, name="period-submit"),
    path(
        "periods/<int:pk>/compilation/", period_views.period_compilation, name="period-compilation"
    ),
    path(
        "periods/<int:pk>/compilation/export/<str:fmt>/",
        period_views.period_compilation_export,
        name="period-compilation-export",
    ),
    path(
        "periods/<int:pk>/dispositions/",
        period_views.period_dispositions,
        name="period-dispositions",
    ),
    path(
        "periods/<int:pk>/dispositions/export/<str:fmt>/",
        period_views.period_dispositions_export,
        name="period-dispositions-export",
    ),
    # Silence procedure (issue 15): a version under silence until a deadline.
    path("documents/<slug:slug>/silence/new/", silence_views.silence_create, name="silence-create"),
    path("silence/<int:pk>/", silence_views.silence_detail, name="silence-detail"),
    path("silence/<int:pk>/break/", silence_views.silence_break, name="silence-break"),
    path("silence/<int:pk>/conclude/", silence_views.silence_conclude, name="silence-conclude"),
    path("silence/<int:pk>/end/", silence_views.silence_end, name="silence-end"),
]

urlpatterns = [
    path("", include((drafting_patterns, "drafting"))),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    # Passwords (issue 12): one's own, a forgotten one, and the link an invitation sends.
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path(
        "accounts/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password-change-done",
    ),
    path(
        "accounts/password/forgotten/",
        account_views.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "accounts/password/forgotten/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password-reset-sent",
    ),
    path(
        "accounts/password/set/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "accounts/password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]

handler400 = "drafting.views.errors.bad_request"
handler403 = "drafting.views.errors.permission_denied"
handler500 = "drafting.views.errors.server_error"

"""The only writers. One module per noun; callers use ``from drafting import actions``.

Every function here changes the draft in one transaction: it locks and re-reads
the rows it changes, checks permission *and* the workflow or structure rule
(drafting.permissions, drafting.workflow), compares the revision the user saw,
writes, and stamps history with who and why (drafting.history.stamp). Views,
management commands, imports and the demo loader all come through here.
"""

from drafting.actions.amendments import (  # noqa: F401
    BODY_LIMIT,
    HEADING_LIMIT,
    AmendmentConflict,
    Kind,
    accept_amendment,
    propose_change,
    propose_deletion,
    propose_practice,
    reject_amendment,
    withdraw_amendment,
)
from drafting.actions.base import (  # noqa: F401
    StaleRevision,
)
from drafting.actions.brackets import (  # noqa: F401
    bracket_passage,
    resolve_bracket,
    support_alternative,
)
from drafting.actions.comments import (  # noqa: F401
    COMMENT_LIMIT,
    add_comment,
    reply_to_comment,
    resolve_comment,
    unresolve_comment,
)
from drafting.actions.deletions import (  # noqa: F401
    already_deleted,
    delete_practice,
    delete_section,
    gone,
    record_deletion_from_history,
    restore_deletion,
    section_fingerprint,
    undelete_practice,
)
from drafting.actions.documents import (  # noqa: F401
    DETAIL_FIELDS,
    create_document,
    renumber_now,
    slug_refusal,
    update_document_details,
)
from drafting.actions.lifecycle import (  # noqa: F401
    DOCUMENT_FUNCTIONS,
    adopt_document,
    finalise_document,
    open_document_review,
    reopen_document,
    return_document_to_drafting,
    submit_document,
    withdraw_submission,
)
from drafting.actions.meetings import (  # noqa: F401
    MEETING_FIELDS,
    circulate_for_meeting,
    meeting_problems,
    save_meeting,
)
from drafting.actions.ordering import (  # noqa: F401
    position_after,
)
from drafting.actions.packages import build_adoption_package  # noqa: F401
from drafting.actions.people import (  # noqa: F401
    change_role,
    deactivate_person,
    invite_person,
    reactivate_person,
    record_password,
    resend_invitation,
)

# Comment periods (issue 15).
from drafting.actions.periods import (  # noqa: F401, E402
    open_period,
    record_disposition,
    remind_before_deadlines,
    toggle_anonymise,
)
from drafting.actions.positions import (  # noqa: F401
    record_agreement,
    record_reservation,
    state_position,
)
from drafting.actions.practices import (  # noqa: F401
    create_practice,
    move_practice,
    restore_practice_revision,
    step_practice,
    update_practice,
)
from drafting.actions.presence import (  # noqa: F401
    EXPIRES_AFTER,
    PresenceReport,
    heartbeat,
    leave,
)
from drafting.actions.sections import (  # noqa: F401
    SECTION_FUNCTIONS,
    approve_section,
    create_section,
    move_section,
    reopen_section,
    request_review,
    return_section_to_drafting,
    step_section,
    update_section,
)

# Silence procedure (issue 15).
from drafting.actions.silence import (  # noqa: E402, F401
    break_silence,
    conclude_due,
    conclude_silence,
    end_silence,
    open_silence,
)
from drafting.actions.versions import (  # noqa: F401
    name_version,
)

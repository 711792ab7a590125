"""Forms, one module per noun (mirroring views/); callers use ``from drafting.forms import …``.

ModelForms cover content fields only: status is never a form field.
"""

from drafting.forms.amendments import (  # noqa: F401
    AcceptForm,
    ChangeAmendmentForm,
    DeletionAmendmentForm,
    NewPracticeAmendmentForm,
    RejectForm,
    WithdrawForm,
)
from drafting.forms.brackets import (  # noqa: F401
    BracketForm,
    ResolveForm,
    SupportForm,
)
from drafting.forms.comments import (  # noqa: F401
    CommentForm,
    ReplyForm,
)
from drafting.forms.common import (  # noqa: F401
    BODY_LIMIT,
    MAX_ID,
    REASON_HELP,
    TEXT_WIDGET,
    BoundedChoices,
    DelegationChoices,
    ReasonField,
    ReasonForm,
    SeenRevisionField,
)
from drafting.forms.deletions import (  # noqa: F401
    DeletePracticeForm,
    DeleteSectionForm,
    RestoreDeletionForm,
)
from drafting.forms.exports import (  # noqa: F401
    DATE_CHOICE,
    RedlineForm,
)
from drafting.forms.lifecycle import (  # noqa: F401
    TransitionForm,
)
from drafting.forms.meetings import (  # noqa: F401
    CirculateForm,
    MeetingForm,
)

# Comment periods (issue 15).
from drafting.forms.periods import (  # noqa: F401, E402
    DispositionForm,
    PeriodForm,
    SubmissionForm,
)
from drafting.forms.positions import (  # noqa: F401
    AgreementForm,
    PositionForm,
    RecordForm,
)
from drafting.forms.practices import (  # noqa: F401
    MovePracticeForm,
    NewPracticeForm,
    PracticeForm,
)
from drafting.forms.sections import (  # noqa: F401
    MoveSectionForm,
    NewSectionForm,
    SectionForm,
)

# Silence procedure (issue 15).
from drafting.forms.silence import (  # noqa: E402, F401
    BreakSilenceForm,
    EndSilenceForm,
    SilenceForm,
)
from drafting.forms.versions import (  # noqa: F401
    VersionForm,
)

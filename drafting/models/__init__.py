"""Domain models; import them from here."""

from drafting.models.deletions import Deletion
from drafting.models.documents import POSITION_STEP, Document, Practice, Section, Version
from drafting.models.exports import ExportJob
from drafting.models.forum import Delegation, ExpertProfile, WorkingGroup
from drafting.models.notifications import (
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from drafting.models.packages import AdoptionPackage, AdoptionPackageFile
from drafting.models.people import AccountEvent
from drafting.models.periods import CommentPeriod, Disposition  # comment periods (issue 15)
from drafting.models.positions import POSITION_TEXT_LIMIT, Agreement, Position
from drafting.models.presence import EditingPresence
from drafting.models.review import AgendaItem, Amendment, Comment, ReviewMeeting

# Silence procedure (issue 15).
from drafting.models.silence import SilenceBreak, SilenceProcedure  # noqa: E402

__all__ = [
    "AccountEvent",
    "AdoptionPackage",
    "AdoptionPackageFile",
    "POSITION_STEP",
    "POSITION_TEXT_LIMIT",
    "AgendaItem",
    "Agreement",
    "Amendment",
    "Comment",
    "CommentPeriod",
    "Disposition",
    "Deletion",
    "Delegation",
    "Document",
    "Notification",
    "NotificationDigest",
    "NotificationPreference",
    "EditingPresence",
    "ExportJob",
    "ExpertProfile",
    "Position",
    "Practice",
    "ReviewMeeting",
    "Section",
    "Version",
    "WorkingGroup",
    # Silence procedure (issue 15).
    "SilenceBreak",
    "SilenceProcedure",
]

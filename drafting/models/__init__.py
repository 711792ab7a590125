"""Domain models; import them from here."""

from drafting.models.deletions import Deletion
from drafting.models.documents import POSITION_STEP, Document, Practice, Section, Version
from drafting.models.exports import ExportJob
from drafting.models.forum import Delegation, ExpertProfile, WorkingGroup
from drafting.models.presence import EditingPresence
from drafting.models.review import AgendaItem, Amendment, Comment, ReviewMeeting

__all__ = [
    "POSITION_STEP",
    "AgendaItem",
    "Amendment",
    "Comment",
    "Deletion",
    "Delegation",
    "Document",
    "EditingPresence",
    "ExportJob",
    "ExpertProfile",
    "Practice",
    "ReviewMeeting",
    "Section",
    "Version",
    "WorkingGroup",
]

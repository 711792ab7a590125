"""Page data, each in a fixed number of queries. One module per page family;
callers use ``from drafting import reads``. Nothing here writes.
"""

from drafting.reads.amendments import (  # noqa: F401
    AmendmentItem,
    CommentThread,
    ReviewItems,
    amendment_delegations,
    amendment_item,
    amendments_for_document,
    concerned_section,
    concerning_section,
    open_amendment_counts,
    review_items_for_section,
)
from drafting.reads.brackets import (  # noqa: F401
    BracketList,
    OpenBracket,
    bracket_counts,
    bracket_list,
    count_open,
    delegation_names,
    open_brackets_of,
)
from drafting.reads.comments import (  # noqa: F401
    CommentList,
    ListedThread,
    comment_delegations,
    comment_list,
)
from drafting.reads.dashboard import (  # noqa: F401
    Change,
    Dashboard,
    SectionRow,
    document_dashboard,
    recent_changes,
)
from drafting.reads.deletions import (  # noqa: F401
    DeletedItem,
    SectionContents,
    deleted_items,
    section_contents,
    section_creator_id,
    section_deletion_facts,
)
from drafting.reads.documents import (  # noqa: F401
    NumberedPractice,
    RenumberPlan,
    SectionOutline,
    document_outline,
    documents_without_group,
    numbering_fingerprint,
    practice_numbers,
    renumber_plan,
    working_groups_with_documents,
)
from drafting.reads.meetings import (  # noqa: F401
    MeetingPage,
    TaggedChange,
    Timeline,
    meeting_page,
    meetings_for_delegation,
    running_meetings,
    timeline,
)
from drafting.reads.mywork import (  # noqa: F401
    DEADLINE_SOURCES,
    EXPERT_PANELS,
    SECRETARIAT_PANELS,
    MyWork,
    Panel,
    WorkItem,
    my_work,
)
from drafting.reads.periods import (  # noqa: F401
    Compilation,
    circulated_but_deleted,
    compilation,
    dispositions_at_meeting,
    period_for,
    periods_of,
)
from drafting.reads.positions import (  # noqa: F401
    FILTERS,
    MatrixRow,
    PositionMatrix,
    PracticePositions,
    PracticeStanding,
    Standing,
    document_standings,
    position_matrix,
    positions_for_section,
    reservation_notes_as_of,
    reservations_on_record,
    standing_of,
)
from drafting.reads.presence import (  # noqa: F401
    editors_of,
)
from drafting.reads.search import (  # noqa: F401
    MAX_QUERY_LENGTH,
    MAX_RESULTS,
    MAX_WORDS,
    SNIPPET_CHARS,
    Hit,
    SearchResults,
    practice_named,
    search_practices,
    words_of,
)
from drafting.reads.sections import (  # noqa: F401
    SectionPage,
    section_page,
)

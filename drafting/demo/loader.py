"""Loads the demo forum: delegations, working groups, users, the document and its history.

Idempotent: every object is looked up before it is created, and the document
(with its scripted history) is only built when it does not exist yet. All
history is attributed to the demo users and back-dated to when it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from drafting import brackets
from drafting.actions.deletions import record_deletion_from_history
from drafting.actions.ordering import position_after
from drafting.demo import content
from drafting.history import stamp
from drafting.models import (
    AgendaItem,
    Agreement,
    Comment,
    CommentPeriod,
    Delegation,
    Disposition,
    Document,
    ExpertProfile,
    Position,
    Practice,
    ReviewMeeting,
    Section,
    Version,
    WorkingGroup,
)

User = get_user_model()
SETUP_DATE = "2017-09-01T09:00"


def _at(value: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(value), timezone.get_fixed_timezone(0))


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


@transaction.atomic
def load_demo() -> LoadReport:
    report = LoadReport()
    delegations = _delegations(report)
    users = _users(report, delegations)
    clerk = users["secretariat"]
    groups = _working_groups(report, delegations, clerk)
    if not Document.objects.filter(slug=content.DOCUMENT["slug"]).exists():
        _document(report, delegations, users, groups["ftf"])
    return report


def _delegations(report: LoadReport) -> dict[str, Delegation]:
    kinds = [
        (content.MEMBERS, Delegation.Kind.MEMBER),
        (content.PARTNER_STATES, Delegation.Kind.PARTNER_STATE),
        (content.PARTNER_ORGANISATIONS, Delegation.Kind.PARTNER_ORGANISATION),
        (content.IMPLEMENTING_PARTNERS, Delegation.Kind.IMPLEMENTING_PARTNER),
    ]
    found = {d.code: d for d in Delegation.objects.all()}
    # The delegations exist before any user; their history names the first demo clerk
    # once that user exists, so create the clerk's user row first.
    clerk = _clerk_user(report)
    for rows, kind in kinds:
        for name, code in rows:
            if code not in found:
                delegation = Delegation(name=name, code=code, kind=kind)
                stamp(delegation, by=clerk, reason="Demo forum set up.", when=_at(SETUP_DATE))
                delegation.save()
                found[code] = delegation
                report.created.append(f"delegation {code}")
    return found


def _clerk_user(report: LoadReport):
    username, first, last, *_ = content.USERS[0]
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    if created:
        user.set_password(content.DEMO_PASSWORD)
        user.save()
        report.created.append(f"user {username}")
    return user


def _users(report: LoadReport, delegations: dict[str, Delegation]) -> dict[str, object]:
    clerk = _clerk_user(report)
    users = {}
    for username, first, last, role, code in content.USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:
            user.set_password(content.DEMO_PASSWORD)
            user.save()
            report.created.append(f"user {username}")
        if not ExpertProfile.objects.filter(user=user).exists():
            profile = ExpertProfile(user=user, delegation=delegations[code], role=role)
            stamp(profile, by=clerk, reason="Demo account.", when=_at(SETUP_DATE))
            profile.save()
            report.created.append(f"profile {username}")
        users[username] = user
    return users


def _working_groups(report: LoadReport, delegations, clerk) -> dict[str, WorkingGroup]:
    groups = {}
    for name, slug, chairs, mandate in content.WORKING_GROUPS:
        group = WorkingGroup.objects.filter(slug=slug).first()
        if group is None:
            group = WorkingGroup(name=name, slug=slug, mandate=mandate)
            stamp(group, by=clerk, reason="Demo forum set up.", when=_at(SETUP_DATE))
            group.save()
            group.co_chairs.set([delegations[c] for c in chairs])
            report.created.append(f"working group {slug}")
        groups[slug] = group
    return groups


def _document(report: LoadReport, delegations, users, group: WorkingGroup) -> None:
    clerk = users["secretariat"]
    created_at = _at("2017-10-02T09:00")
    document = Document(
        forum=content.FORUM,
        working_group=group,
        implementing_partner=delegations["IIJ"],
        **content.DOCUMENT,
    )
    stamp(document, by=clerk, reason="Zero draft prepared by the co-leads.", when=created_at)
    document.save()
    document.co_leads.set([delegations["MA"], delegations["US"]])
    report.created.append(f"document {document.slug}")

    meetings = _meetings(document, delegations, clerk)

    sections = {}
    for title, intro, practices in content.SECTIONS:
        section = Section(document=document, title=title, introduction=intro)
        section.position = position_after(
            list(Section.objects.filter(document=document).order_by("position")), None, by=clerk
        )
        stamp(section, by=clerk, reason="Zero draft.", when=created_at)
        section.save()
        sections[title] = section
        for heading, body in practices:
            practice = Practice(section=section, heading=heading, body=body)
            practice.position = position_after(
                list(section.practices.order_by("position")), None, by=clerk
            )
            stamp(practice, by=clerk, reason="Zero draft.", when=created_at)
            practice.save()
    finish_meetings(document, clerk)

    for name, taken_at, meeting_index in content.VERSIONS:
        version = Version(
            document=document,
            name=name,
            taken_at=_at(taken_at),
            created_by=clerk,
            meeting=meetings[meeting_index] if meeting_index is not None else None,
        )
        stamp(version, by=clerk, reason="Version named.", when=_at(taken_at))
        version.save()

    rabat = meetings[3]
    for when, username, reason, kind, args in content.EDIT_SCRIPT:
        _apply_edit(
            sections,
            users[username],
            reason,
            kind,
            args,
            _at(when),
            meeting=rabat if when.startswith("2018-06-25") else None,
        )
    _brackets(sections, users)
    _positions(sections, users, meeting=rabat)
    _comment_period(document, sections, users, delegations, meeting=rabat)
    document.target_meeting = meetings[4]
    stamp(
        document,
        by=clerk,
        reason="Target: the ninth ministerial plenary.",
        when=_at("2018-07-10T09:00"),
    )
    document.save()


def _comment_period(document, sections, users, delegations, *, meeting) -> None:
    """A closed comment period on Draft 3, its comments and its disposition table (issue 15),
    each row dated as it happened, written in date order like the rest of the demo."""
    clerk = users["secretariat"]
    name, opened, deadline, zone, codes, instructions = content.COMMENT_PERIOD
    version = Version.objects.get(document=document, name=name)
    period = CommentPeriod(
        document=document,
        version=version,
        deadline=_at(deadline),
        deadline_zone=zone,
        instructions=instructions,
        opened_by=clerk,
        opened_at=_at(opened),
    )
    stamp(period, by=clerk, reason=f"Comment period opened on “{name}”.", when=_at(opened))
    period.save()
    period.invited.set([delegations[c] for c in codes])
    rows = []
    for when, username, title, n, body, outcome, note, at_meeting in content.PERIOD_COMMENTS:
        practice = _nth(sections[title], n)
        comment = Comment(
            section=practice.section,
            practice=practice,
            author=users[username],
            body=body,
            created_at=_at(when),
            period=period,
            version=version,
        )
        stamp(
            comment,
            by=users[username],
            reason="Comment added in the comment period.",
            when=_at(when),
        )
        comment.save()
        rows.append((comment, outcome, note, at_meeting))
    decided = _at(f"{meeting.starts_on}T17:00")
    for comment, outcome, note, at_meeting in rows:
        disposition = Disposition(
            period=period,
            comment=comment,
            outcome=outcome,
            note=note,
            meeting=meeting if at_meeting else None,
            decided_by=clerk,
            decided_at=decided,
        )
        stamp(disposition, by=clerk, reason="Disposition recorded.", when=decided)
        disposition.save()


def _nth(section: Section, n: int) -> Practice:
    return list(section.practices.order_by("position", "id"))[n - 1]


def _apply_edit(sections, user, reason, kind, args, when, *, meeting) -> None:
    # Demo history is written directly (not through services) because it is
    # back-dated; services always stamp "now".
    if kind == "edit":
        title, n, heading, body = args
        practice = _nth(sections[title], n)
        practice.heading = heading or practice.heading
        practice.body = body
        practice.revision += 1
        stamp(practice, by=user, reason=reason, when=when, meeting=meeting)
        practice.save()
    elif kind == "add":
        title, after_n, heading, body = args
        section = sections[title]
        siblings = list(section.practices.order_by("position", "id"))
        practice = Practice(section=section, heading=heading, body=body)
        practice.position = position_after(siblings, siblings[after_n - 1], by=user)
        stamp(practice, by=user, reason=reason, when=when, meeting=meeting)
        practice.save()
    elif kind == "move":
        title, n, target_title, after_n = args
        practice = _nth(sections[title], n)
        target = sections[target_title]
        siblings = [p for p in target.practices.order_by("position", "id") if p.pk != practice.pk]
        practice.section = target
        practice.position = position_after(
            siblings, siblings[after_n - 1] if after_n else None, by=user, first=after_n == 0
        )
        stamp(practice, by=user, reason=reason, when=when, meeting=meeting)
        practice.save()
    elif kind == "delete":
        title, n = args
        practice = _nth(sections[title], n)
        pk = practice.pk
        stamp(practice, by=user, reason=reason, when=when, meeting=meeting)
        practice.delete()
        # So the demo's Deleted page lists it, as a delete made through the app would.
        record_deletion_from_history(pk, by=user, reason=reason, when=when)


def _brackets(sections, users) -> None:
    """Passages put in square brackets after the Rabat meeting, written into the texts directly
    and back-dated (the actions stamp "now"), with the reason the action would record."""
    for when, username, title, where, passage, alternatives in content.BRACKETS:
        # Found by its words: the edits above renumber the sections' practices.
        practice = next(
            p
            for p in sections[title].practices.order_by("position")
            if passage in getattr(p, where)
        )
        source = getattr(practice, where)
        parts = [brackets.alternative(text, codes) for text, codes in alternatives]
        setattr(practice, where, source.replace(passage, " ".join(parts), 1))
        practice.revision += 1
        printed = " ".join(brackets.printed(p) for p in parts)
        stamp(
            practice,
            by=users[username],
            reason=f"Put in square brackets: {printed}.",
            when=_at(when),
        )
        practice.save()


def _positions(sections, users, *, meeting: ReviewMeeting) -> None:
    """Positions stated at the Rabat meeting, one reservation accepted for the record and one
    practice agreed ad referendum.

    Written directly, back-dated (the actions stamp "now"), with the reasons the
    actions would record.
    """
    clerk = users["secretariat"]
    for when, username, title, n, stance, text in content.POSITIONS:
        user = users[username]
        delegation = user.profile.delegation
        position = Position(practice=_nth(sections[title], n), delegation=delegation)
        position.stance, position.text = stance, text
        label = Position.Stance(stance).label.lower()
        stamp(
            position,
            by=user,
            reason=f"{delegation.name}: {label} stated at the review meeting.",
            when=_at(when),
            meeting=meeting,
        )
        position.save()
    for when, username, title, n in content.RESERVATIONS_ON_RECORD:
        delegation = users[username].profile.delegation
        position = Position.objects.get(practice=_nth(sections[title], n), delegation=delegation)
        position.for_the_record = True
        position.revision += 1
        stamp(
            position,
            by=clerk,
            reason=f"Reservation of {delegation.name} accepted for the record.",
            when=_at(when),
            meeting=meeting,
        )
        position.save()

    for when, title, n, status in content.AGREEMENTS:
        practice = _nth(sections[title], n)
        agreement = Agreement(
            practice=practice, status=status, text_revision=practice.revision, meeting=meeting
        )
        label = Agreement.Status(status).label.lower()
        stamp(agreement, by=clerk, reason=f"Recorded as {label}.", when=_at(when), meeting=meeting)
        agreement.save()


def _meetings(document: Document, delegations, clerk) -> list[ReviewMeeting]:
    planned_at = _at("2017-10-02T10:00")
    meetings = []
    for kind, title, theme, city, starts, ends, codes, _agenda, _outcome in content.MEETINGS:
        meeting = ReviewMeeting(
            document=document,
            kind=kind,
            title=title,
            theme=theme,
            city=city,
            starts_on=date.fromisoformat(starts),
            ends_on=date.fromisoformat(ends),
        )
        stamp(meeting, by=clerk, reason="Meeting planned.", when=planned_at)
        meeting.save()
        meeting.participants.set([delegations[c] for c in codes])
        meetings.append(meeting)
    return meetings


def finish_meetings(document: Document, clerk) -> None:
    """Record agendas and outcomes (called after sections exist)."""
    sections = {s.title: s for s in document.sections.all()}
    for meeting, row in zip(
        document.meetings.order_by("starts_on", "id"), content.MEETINGS, strict=True
    ):
        agenda_titles, outcome = row[7], row[8]
        for i, title in enumerate(agenda_titles, start=1):
            item = AgendaItem(meeting=meeting, section=sections[title], position=i)
            stamp(item, by=clerk, reason="Agenda set.", when=_at("2017-10-02T10:30"))
            item.save()
        if outcome:
            meeting.status = ReviewMeeting.Status.HELD
            meeting.outcome = outcome
            stamp(
                meeting, by=clerk, reason="Outcome recorded.", when=_at(f"{meeting.ends_on}T18:00")
            )
            meeting.save()

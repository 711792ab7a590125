"""The forum: its delegations, working groups and the people who draft."""

from django.conf import settings
from django.db import models

from drafting.models.base import tracked


class Delegation(models.Model):
    class Kind(models.TextChoices):
        MEMBER = "member", "Member"
        PARTNER_STATE = "partner_state", "Partner state"
        PARTNER_ORGANISATION = "partner_org", "Partner organisation"
        IMPLEMENTING_PARTNER = "implementing", "Implementing partner"

    name = models.CharField(max_length=200, unique=True)
    code = models.CharField("short code", max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEMBER)

    history = tracked()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkingGroup(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    mandate = models.TextField(blank=True)
    co_chairs = models.ManyToManyField(Delegation, blank=True, related_name="chaired_groups")

    history = tracked(m2m_fields=[co_chairs])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExpertProfile(models.Model):
    """Links a login to a delegation and a role in the drafting process."""

    class Role(models.TextChoices):
        EXPERT = "expert", "Expert"
        SECRETARIAT = "secretariat", "Secretariat"
        OBSERVER = "observer", "Observer"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile"
    )
    delegation = models.ForeignKey(
        Delegation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experts",
        help_text="Empty for secretariat staff who do not speak for a delegation.",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EXPERT)

    history = tracked()

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        where = f" ({self.delegation.code})" if self.delegation_id else ""
        return (
            f"{self.user.get_full_name() or self.user.username}{where} — {self.get_role_display()}"
        )

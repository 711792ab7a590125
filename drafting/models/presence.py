"""Who has a practice open for editing right now.

Ephemeral coordination data, not part of the draft: rows are overwritten by
each heartbeat and expire after a minute, so this model is deliberately not
history-tracked. It lives in the database so every application process sees it.
"""

from django.conf import settings
from django.db import models

from drafting.models.documents import Practice


class EditingPresence(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="presences")
    base_revision = models.PositiveIntegerField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="presence_once_per_user")
        ]
        indexes = [models.Index(fields=["practice", "last_seen"])]

    def __str__(self) -> str:
        return f"{self.user} editing {self.practice_id}"

"""History signal handlers: copy per-write context onto each history row."""

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


@receiver(pre_create_historical_record)
def tag_history_meeting(sender, instance, history_instance, **kwargs) -> None:
    meeting = getattr(instance, "_history_meeting", None)
    history_instance.history_meeting_id = getattr(meeting, "pk", meeting)

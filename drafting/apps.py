from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "drafting"
    verbose_name = "Drafting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from drafting import signals  # noqa: F401  (connects history signal handlers)

from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "drafting"
    verbose_name = "Drafting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: connects history signal handlers on import; kept_text: log-in/out handlers.
        from drafting import kept_text, security, signals  # noqa: F401
        from drafting.history import guard as history_guard

        security.connect_axes_signals()  # login failures, lock-outs -> security log
        history_guard.connect()  # append-only history tables, users never deleted

from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "waivers"
    verbose_name = "Reliance waivers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import deployment  # noqa: F401  (registers the deployment checks)
        from .services import events

        events.connect()

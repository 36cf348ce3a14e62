from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "waivers"
    verbose_name = "Reliance waivers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .services import events

        events.connect()

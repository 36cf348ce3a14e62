from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "waivers"
    verbose_name = "Reliance waivers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import (
            deployment,  # noqa: F401  (registers the deployment checks)
            observability,
        )
        from .services import events
        from .web import metrics
        from .web.idle import start_idle_clock

        events.connect()
        observability.connect()
        metrics.connect()
        user_logged_in.connect(start_idle_clock, dispatch_uid="start_idle_clock")

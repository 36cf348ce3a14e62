"""REST API v1 (see ../shared/API.md)."""

urlpatterns: list = []

from django.urls import path

from . import views

app_name = "batches"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("notify/<str:reference>/", views.notify, name="notify"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/flag/", views.flag, name="flag"),
    path("<str:reference>/acknowledgement/", views.acknowledgement, name="acknowledgement"),
]

"""NRA staff pages, under /nra/."""

from django.urls import path

from . import views

app_name = "nra"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/audit.csv", views.audit_csv, name="audit_csv"),
    path("cases/<str:reference>/audit.pdf", views.audit_pdf, name="audit_pdf"),
    path("cases/<str:reference>/archive.zip", views.case_archive, name="archive"),
    path("cases/<str:reference>/legal-hold/", views.legal_hold, name="legal_hold"),
    path("archives/", views.archives, name="archives"),
    path(
        "cases/<str:reference>/certificates/<int:pk>/view/",
        views.certificate_view,
        name="certificate_view",
    ),
    path(
        "cases/<str:reference>/certificates/<int:pk>/download/",
        views.certificate_download,
        name="certificate_download",
    ),
    path("cases/<str:reference>/<slug:slug>/", views.case_action, name="action"),
]

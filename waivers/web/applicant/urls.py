from django.urls import path

from . import catalogue, colleagues, evidence, requests

app_name = "applicant"
urlpatterns = [
    path("", requests.home, name="home"),
    path("requests/new/", requests.request_new, name="new"),
    path("requests/<str:reference>/", requests.status, name="status"),
    path("requests/<str:reference>/edit/<str:step>/", requests.request_step, name="step"),
    path("requests/<str:reference>/submit/", requests.request_submit, name="submit"),
    path("requests/<str:reference>/respond/", requests.respond, name="respond"),
    path("requests/<str:reference>/withdraw/", requests.withdraw, name="withdraw"),
    path("requests/<str:reference>/renew/", requests.renew, name="renew"),
    path("requests/<str:reference>/letter/", requests.letter, name="letter"),
    path("evidence/", evidence.evidence_list, name="evidence"),
    path("evidence/new/<str:kind>/", evidence.evidence_upload, name="evidence_upload"),
    path("evidence/precheck/", evidence.evidence_precheck, name="evidence_precheck"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence_file"),
    path("sites/", catalogue.catalogue_list, {"catalogue": "sites"}, name="sites"),
    path("sites/new/", catalogue.catalogue_edit, {"catalogue": "sites"}, name="site_new"),
    path("sites/<int:pk>/", catalogue.catalogue_edit, {"catalogue": "sites"}, name="site_edit"),
    path("products/", catalogue.catalogue_list, {"catalogue": "products"}, name="products"),
    path("products/new/", catalogue.catalogue_edit, {"catalogue": "products"}, name="product_new"),
    path(
        "products/<int:pk>/",
        catalogue.catalogue_edit,
        {"catalogue": "products"},
        name="product_edit",
    ),
    path("colleagues/", colleagues.colleagues, name="colleagues"),
    path("invitation/<str:uidb64>/<str:token>/", colleagues.accept, name="accept_invitation"),
]

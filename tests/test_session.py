"""The signed-in user of each page: loaded with their affiliation, and refused once deactivated."""

import pytest

from waivers.models import User

from .factories import ApplicantFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory, page", [(ReviewerFactory, "/nra/queue/"), (ApplicantFactory, "/applicant/")]
)
def test_every_page_names_the_users_nra_or_organisation_from_one_user_query(
    client, factory, page, django_assert_max_num_queries
):
    user = factory()
    affiliation = user.nra.code if user.nra_id else user.organisation.name
    client.force_login(user)
    client.get(page)
    with django_assert_max_num_queries(20) as queries:
        html = client.get(page).content.decode()
    assert f"{user.printed_name} · {affiliation}" in html
    users = [q["sql"] for q in queries if 'FROM "waivers_user"' in q["sql"]]
    affiliations = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "waivers_authority"."id", "waivers_authority"."code"')
        or q["sql"].startswith('SELECT "waivers_organisation"."id", "waivers_organisation"."name"')
    ]
    assert len(users) == 1 and affiliations == []


def test_a_user_deactivated_while_signed_in_is_signed_out_at_the_next_page(client):
    reviewer = ReviewerFactory()
    client.force_login(reviewer)
    assert client.get("/nra/queue/").status_code == 200
    User.objects.filter(pk=reviewer.pk).update(is_active=False)
    response = client.get("/nra/queue/")
    assert response.status_code == 302 and "next=/nra/queue/" in response["Location"]

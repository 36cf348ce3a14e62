"""Driving the NRA case page as its users do: a form posted to an action's URL."""


def act(client, user, case, slug, **data):
    client.force_login(user)
    data.setdefault("expected_version", case.version)
    return client.post(f"/nra/cases/{case.reference}/{slug}/", data)

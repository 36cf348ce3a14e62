"""The authority register: maturity as a query on dates, and the load_authorities command."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from waivers.models import Authority, Recognition
from waivers.services.register import DEFAULT_FILE

from .factories import AuthorityFactory, RecognitionFactory

pytestmark = pytest.mark.django_db

HEADER = "code,name,country,scheme,scope,valid_from,valid_to,source,note\n"


def load(tmp_path, text):
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    out = __import__("io").StringIO()
    call_command("load_authorities", str(path), stdout=out)
    return out.getvalue()


def test_authority_is_mature_only_inside_its_recognition_dates():
    authority = AuthorityFactory()
    RecognitionFactory(
        authority=authority, scheme="WLA", valid_from=date(2024, 1, 1), valid_to=date(2025, 12, 31)
    )
    assert not authority.is_recognised_on(date(2023, 12, 31))
    assert authority.is_recognised_on(date(2024, 1, 1))
    assert authority.is_recognised_on(date(2025, 12, 31), ["WLA"])
    assert not authority.is_recognised_on(date(2025, 6, 1), ["SRA"])
    assert not authority.is_recognised_on(date(2026, 1, 1))
    assert list(Authority.objects.recognised_on(date(2025, 6, 1), ["WLA"])) == [authority]


def test_shipped_register_loads_and_a_second_load_changes_nothing():
    first = __import__("io").StringIO()
    call_command("load_authorities", stdout=first)
    assert Authority.objects.filter(code="US-FDA").exists()
    assert Authority.objects.get(code="US-FDA").is_recognised_on(date(2026, 1, 1), ["SRA"])
    count = Recognition.objects.count()
    second = __import__("io").StringIO()
    call_command("load_authorities", stdout=second)
    assert "0 created, 0 updated" in second.getvalue()
    assert Recognition.objects.count() == count
    assert DEFAULT_FILE.read_text().count("\n") > 100


def test_changed_row_is_updated_and_reported(tmp_path):
    load(tmp_path, HEADER + "ZZ-A,Zed Agency,ZZ,PICS,,2020-01-01,,pics.org,\n")
    report = load(
        tmp_path, HEADER + "ZZ-A,Zed Agency,ZZ,PICS,,2020-01-01,2026-06-30,pics.org,suspended\n"
    )
    assert "updated: ZZ-A" in report
    recognition = Recognition.objects.get(authority__code="ZZ-A")
    assert recognition.valid_to == date(2026, 6, 30)
    assert not recognition.authority.is_recognised_on(date(2026, 7, 1))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("ZZ-B,Bee,ZZ,PICS,,2020-13-01,,src,", "valid_from"),
        ("ZZ-B,Bee,ZZ,NOPE,,2020-01-01,,src,", "scheme"),
        ("ZZ-B,Bee,ZZ,PICS,,2021-01-01,2020-01-01,src,", "valid_to"),
        ("ZZ-B,Bee,ZZ,PICS,,2020-01-01", "columns"),
    ],
)
def test_malformed_file_names_the_line_and_changes_nothing(tmp_path, row, reason):
    good = "ZZ-A,Zed Agency,ZZ,SRA,,2020-01-01,,src,\n"
    with pytest.raises(CommandError) as refused:
        load(tmp_path, HEADER + good + row + "\n")
    assert "line 3" in str(refused.value)
    assert reason in str(refused.value)
    assert not Authority.objects.filter(code__in=["ZZ-A", "ZZ-B"]).exists()

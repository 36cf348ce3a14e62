"""The reliance checklist a recommendation rests on."""

import pytest

from waivers.assessment import CRITERIA, as_rows, checklist
from waivers.errors import InvalidInput

from .conftest import CHECKLIST_MET, checklist_post


def test_the_checklist_covers_the_reliance_criteria():
    labels = " ".join(c.label for c in CRITERIA)
    for words in ("GMP", "supervision", "CPP", "deterioration", "Quality management", "ATMP"):
        assert words in labels


def test_a_completed_checklist_keeps_each_answer_and_note():
    completed = checklist(checklist_post(), outcome="approve")
    assert set(completed) == set(CHECKLIST_MET)
    assert completed["atmp_specifics"]["answer"] == "met"
    assert completed["atmp_specifics"]["note"] == "Assessed atmp_specifics against the evidence."


def test_every_criterion_needs_an_answer_and_a_note():
    answers = checklist_post()
    del answers["gmp_inspection_answer"]
    answers["qms_evidence_note"] = "   "
    with pytest.raises(InvalidInput) as refused:
        checklist(answers, outcome="reject")
    assert set(refused.value.errors) == {"gmp_inspection_answer", "qms_evidence_note"}


def test_an_unmet_criterion_allows_a_partial_waiver_or_a_rejection_but_not_a_full_one():
    answers = checklist_post(CHECKLIST_MET | {"regular_supervision": "not_met"})
    assert checklist(answers, outcome="partial")["regular_supervision"]["answer"] == "not_met"
    assert checklist(answers, outcome="reject")
    with pytest.raises(InvalidInput) as refused:
        checklist(answers, outcome="approve")
    assert "Site under regular supervision" in refused.value.errors["outcome"][0]


def test_not_applicable_does_not_block_a_full_waiver():
    answers = checklist_post(CHECKLIST_MET | {"atmp_specifics": "not_applicable"})
    assert checklist(answers, outcome="approve")


def test_stored_checklist_reads_back_in_criteria_order_with_readable_answers():
    stored = checklist(
        checklist_post(CHECKLIST_MET | {"cpp_consistent": "not_met"}), outcome="reject"
    )
    rows = as_rows(dict(reversed(list(stored.items()))))
    assert [r["label"] for r in rows] == [c.label for c in CRITERIA]
    assert rows[2]["answer"] == "Not met"

"""The reliance checklist a recommendation rests on."""

import pytest

from waivers.assessment import CRITERIA, as_rows, checklist
from waivers.errors import InvalidInput

from ..factories import CHECKLIST_MET, assessment


def test_the_checklist_covers_the_reliance_criteria():
    labels = " ".join(c.label for c in CRITERIA)
    for words in ("GMP", "supervision", "CPP", "deterioration", "Quality management", "ATMP"):
        assert words in labels


def test_a_completed_checklist_keeps_each_answer_and_note():
    completed = checklist(assessment(), outcome="approve")
    assert set(completed) == set(CHECKLIST_MET)
    assert completed["atmp_specifics"]["answer"] == "met"
    assert completed["atmp_specifics"]["note"] == "Assessed atmp_specifics against the evidence."


@pytest.mark.parametrize("outcome", ["approve", "partial"])
def test_a_waiver_needs_every_criterion_answered_and_a_note_where_one_is_not_met(outcome):
    answers = assessment({"qms_evidence": "not_met"})
    del answers["gmp_inspection"]
    answers["qms_evidence"]["note"] = "   "
    with pytest.raises(InvalidInput) as refused:
        checklist(answers, outcome=outcome)
    assert set(refused.value.errors) == {"gmp_inspection_answer", "qms_evidence_note"}


def test_a_met_criterion_needs_no_note():
    answers = {key: {"answer": "met"} for key in CHECKLIST_MET}
    assert checklist(answers, outcome="approve")["cpp_consistent"]["note"] == ""


def test_a_rejection_needs_no_checklist_and_keeps_what_was_answered():
    assert checklist(None, outcome="reject") == {}
    kept = checklist(
        {"cpp_consistent": {"answer": "not_met", "note": "Other product."}}, outcome="reject"
    )
    assert list(kept) == ["cpp_consistent"]


def test_an_unknown_criterion_or_answer_is_refused():
    with pytest.raises(InvalidInput) as refused:
        checklist(
            assessment({"qms_evidence": "maybe"}) | {"price": {"answer": "met"}}, outcome="reject"
        )
    assert set(refused.value.errors) == {"assessment", "qms_evidence_answer"}


def test_an_unmet_criterion_allows_a_partial_waiver_or_a_rejection_but_not_a_full_one():
    answers = assessment({"regular_supervision": "not_met"})
    assert checklist(answers, outcome="partial")["regular_supervision"]["answer"] == "not_met"
    assert checklist(answers, outcome="reject")
    with pytest.raises(InvalidInput) as refused:
        checklist(answers, outcome="approve")
    assert "Site under regular supervision" in refused.value.errors["outcome"][0]


def test_not_applicable_does_not_block_a_full_waiver():
    answers = assessment({"atmp_specifics": "na"})
    assert checklist(answers, outcome="approve")


def test_stored_checklist_reads_back_in_criteria_order_with_readable_answers():
    stored = checklist(assessment({"cpp_consistent": "not_met"}), outcome="reject")
    rows = as_rows(dict(reversed(list(stored.items()))))
    assert [r["label"] for r in rows] == [c.label for c in CRITERIA]
    assert rows[2]["answer"] == "Not met"

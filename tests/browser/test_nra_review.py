"""The four-eyes journey in real browsers: one context for the applicant, one for NRA staff."""

import re

import pytest
from playwright.sync_api import Page, expect

from waivers.assessment import CRITERIA
from waivers.models import State, WaiverRequest
from waivers.workflow import fire

from ..factories import (
    ApplicantFactory,
    ApproverFactory,
    NraFactory,
    ReviewerFactory,
    WaiverRequestFactory,
)
from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def wait_until_dialog_settled(page: Page) -> None:
    """Bootstrap fades a dialog in; scan it once its colours are final, not mid-animation."""
    page.wait_for_function(
        """() => {
            const dialog = document.querySelector('.modal.show .modal-dialog');
            const backdrop = document.querySelector('.modal-backdrop.show');
            return dialog && backdrop && getComputedStyle(dialog).transform === 'none'
                && getComputedStyle(dialog.parentElement).opacity === '1'
                && getComputedStyle(backdrop).opacity === '0.5';
        }"""
    )


def open_case(page: Page, reference: str) -> None:
    page.goto("/nra/queue/")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)


def test_reviewer_takes_a_case_from_the_queue(new_page):
    nra = NraFactory()
    reviewer = ReviewerFactory(nra=nra)
    applicant = ApplicantFactory()
    cases = [
        fire(
            WaiverRequestFactory(organisation=applicant.organisation, authority=nra),
            "submit",
            actor=applicant,
        )
        for _ in range(2)
    ]
    page = new_page()
    sign_in(page, reviewer.username)
    page.get_by_role("button", name=f"Take {cases[1].reference}").click()
    expect(page.get_by_role("alert")).to_contain_text("You took the case")
    taken, left = (WaiverRequest.objects.get(pk=c.pk) for c in cases[::-1])
    assert (taken.state, taken.reviewer) == (State.UNDER_REVIEW, reviewer)
    assert (left.state, left.reviewer) == (State.SUBMITTED, None)


def test_applicant_reviewer_and_approver_reach_a_signed_decision(new_page):
    nra = NraFactory()
    applicant = ApplicantFactory()
    reviewer = ReviewerFactory(nra=nra, first_name="Rita", last_name="Reviewer")
    approver = ApproverFactory(nra=nra, first_name="Anton", last_name="Approver")
    draft = WaiverRequestFactory(organisation=applicant.organisation, authority=nra)
    case = fire(draft, "submit", actor=applicant)
    reference = case.reference

    applicant_page = new_page()
    sign_in(applicant_page, applicant.username)
    applicant_page.goto(f"/cases/{reference}/")
    expect(applicant_page.locator(".state-badge")).to_have_text("Submitted")

    # The reviewer finds the case in the queue, takes it and asks for information.
    nra_page = new_page()
    sign_in(nra_page, reviewer.username)
    expect(nra_page).to_have_url(re.compile(r"/nra/queue/$"))
    expect(nra_page.get_by_role("row", name=re.compile(reference))).to_contain_text("Unassigned")
    assert_accessible(nra_page)
    open_case(nra_page, reference)
    assert_accessible(nra_page)
    nra_page.get_by_role("button", name="Take this case").click()
    expect(nra_page.get_by_role("alert")).to_contain_text("You took the case")
    nra_page.get_by_label("What do you need from the applicant?").fill(
        "Please send the current GMP certificate of the fill-finish site."
    )
    nra_page.get_by_role("button", name="Request information").click()
    expect(nra_page.locator(".state-badge")).to_have_text("Information requested")

    applicant_page.reload()
    expect(applicant_page.locator(".state-badge")).to_have_text("Information requested")
    fire(case, "respond", actor=applicant, message="Attached to the case since submission.")

    # Back with the reviewer: the clock runs again; the checklist is answered and recommended.
    nra_page.reload()
    expect(nra_page.locator(".state-badge")).to_have_text("Under review")
    for criterion in CRITERIA:
        group = nra_page.get_by_role("group", name=re.compile(re.escape(criterion.label)))
        group.get_by_label("Met", exact=True).check()
        nra_page.get_by_label(f"Note on: {criterion.label}").fill("Checked against the file.")
    nra_page.get_by_label("Approve the waiver").check()
    nra_page.get_by_label("Rationale").fill("Inspected by an SRA; CPP and CoA consistent.")
    nra_page.get_by_role("button", name="Record the recommendation").click()
    expect(nra_page.locator(".state-badge")).to_have_text("Recommended")

    # The reviewer who recommended cannot sign: no button, and a direct POST is refused.
    expect(nra_page.get_by_role("button", name=re.compile("Sign the decision"))).to_have_count(0)
    token = nra_page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    refused = nra_page.request.post(
        f"/nra/cases/{reference}/sign/",
        form={
            "csrfmiddlewaretoken": csrf,
            "expected_version": str(WaiverRequest.objects.get(pk=case.pk).version),
            "meaning": "approval",
            "password": "correct horse battery staple",
        },
    )
    assert refused.status == 403
    assert WaiverRequest.objects.get(pk=case.pk).state == State.RECOMMENDED

    # The approver signs in the dialog; a wrong password is refused first.
    sign_out(nra_page)
    sign_in(nra_page, approver.username)
    open_case(nra_page, reference)
    nra_page.get_by_role("button", name="Sign the decision…").click()
    dialog = nra_page.get_by_role("dialog", name="Electronic signature")
    expect(dialog).to_contain_text("Approval of waiver decision")
    wait_until_dialog_settled(nra_page)
    assert_accessible(nra_page)
    dialog.get_by_label("Your password").fill("not my password")
    dialog.get_by_role("button", name="Sign", exact=True).click()
    dialog = nra_page.get_by_role("dialog", name="Electronic signature")
    expect(dialog).to_contain_text("The password is not correct")
    dialog.get_by_label("Your password").fill("correct horse battery staple")
    dialog.get_by_role("button", name="Sign", exact=True).click()
    expect(nra_page.get_by_role("alert")).to_contain_text("Decision signed.")
    expect(nra_page.locator(".state-badge")).to_have_text("Approved")
    manifest = nra_page.get_by_role("table", name="Signature manifest")
    expect(manifest).to_contain_text("Anton Approver")
    expect(manifest).to_contain_text("Approval of waiver decision")

    # The applicant sees the decision and who signed it.
    applicant_page.reload()
    expect(applicant_page.locator(".state-badge")).to_have_text("Approved")
    expect(applicant_page.get_by_role("table", name="Signature manifest")).to_contain_text(
        "Anton Approver"
    )


def test_two_reviewers_on_one_case_the_slower_is_told_to_reload(new_page):
    nra = NraFactory()
    applicant = ApplicantFactory()
    first, second = ReviewerFactory(nra=nra), ReviewerFactory(nra=nra)
    draft = WaiverRequestFactory(organisation=applicant.organisation, authority=nra)
    reference = fire(draft, "submit", actor=applicant).reference

    pages = []
    for reviewer in (first, second):
        page = new_page()
        sign_in(page, reviewer.username)
        open_case(page, reference)
        pages.append(page)
    pages[0].get_by_role("button", name="Take this case").click()
    expect(pages[0].get_by_role("alert")).to_contain_text("You took the case")
    pages[1].get_by_role("button", name="Take this case").click()
    expect(pages[1].get_by_role("alert")).to_contain_text("This case changed since you opened it")
    pages[1].get_by_role("link", name="reload the page").click()
    expect(pages[1].locator(".state-badge")).to_have_text("Under review")
    expect(pages[1].get_by_text(first.printed_name).first).to_be_visible()
    assert WaiverRequest.objects.get(reference=reference).reviewer == first


def test_queue_filters_narrow_the_list(page):
    nra = NraFactory()
    reviewer = ReviewerFactory(nra=nra)
    mine = WaiverRequestFactory(authority=nra, evidence=False)
    other = WaiverRequestFactory(authority=nra, evidence=False, scope="clinical_trial")
    for case in (mine, other):
        WaiverRequest.objects.filter(pk=case.pk).update(
            state=State.SUBMITTED, submitted_at=case.created_at
        )
    WaiverRequest.objects.filter(pk=mine.pk).update(state=State.UNDER_REVIEW, reviewer=reviewer)
    sign_in(page, reviewer.username)
    page.get_by_label("Assignee").select_option("Mine")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name=mine.reference)).to_be_visible()
    expect(page.get_by_role("link", name=other.reference)).to_have_count(0)
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Scope").select_option("Clinical-trial import")
    page.get_by_label("Search").fill(other.reference)
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_role("link", name=other.reference)).to_be_visible()
    expect(page.get_by_role("link", name=mine.reference)).to_have_count(0)
    assert_accessible(page)

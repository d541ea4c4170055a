"""Each app, used as an executive uses it: change the main input and read the new number, type
something wrong and read the message beside the field, download the summary and read it.

The expected numbers come from the tools' models, so the page is checked against the same
computation the app claims to show, not against figures copied into the test.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.voila_page import assert_clean, open_app, set_text
from widgets import data, fmt
from widgets.budget import model as budget
from widgets.maturity import model as maturity
from widgets.readiness import model as readiness
from widgets.readiness import view as readiness_view
from widgets.retro import model as retro

pytestmark = pytest.mark.browser


def _download(page: Page, link: str, saved: Path) -> str:
    with page.expect_download() as info:
        page.locator(link).click()
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.strip(), f"{saved.name} is empty"
    return text


def test_readiness_diagnostic_responds_validates_and_downloads(page: Page, voila_apps,
                                                               artifacts):
    open_app(page, voila_apps.url("readiness-diagnostic.ipynb"))
    m, _ = readiness_view.risk_model()
    answers = {q.key: 1 for q in readiness.QUESTIONS}

    def risk(a: dict) -> str:
        return fmt.pct(readiness.predict_risk(m, readiness.features_from_answers(a))
                       .probability)

    risk_value = page.locator(".kit-risk-value")
    expect(risk_value).to_have_text(risk(answers))
    # three answers that each enter the risk model, moved to "not at all"
    worse = {"expectation_gap": 0, "kpi": 0, "pilot": 0}
    assert all(q.feature for q in readiness.QUESTIONS if q.key in worse)
    for q in readiness.QUESTIONS:
        if q.key in worse:
            page.get_by_label(q.label, exact=True).select_option(index=worse[q.key])
            answers[q.key] = worse[q.key]
            expect(risk_value).to_have_text(risk(answers))
    assert risk(answers) != risk({q.key: 1 for q in readiness.QUESTIONS})

    set_text(page, "Project", "   ")
    message = page.locator(".kit-field-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Project is required")
    link = page.locator("a[download='readiness-summary.md']")
    before = link.get_attribute("href")
    set_text(page, "Project", "Claims triage")
    expect(message).to_have_count(0)
    expect(link).not_to_have_attribute("href", before)  # the summary follows the name

    text = _download(page, "a[download='readiness-summary.md']",
                     artifacts / "readiness-summary.md")
    assert text.startswith("# Readiness diagnostic: Claims triage")
    assert f"**Estimated risk of not reaching production:** {risk(answers)}" in text
    assert "## Top actions" in text and "## Trap scores" in text
    # the apps server publishes apps/ only: a link to a lesson would open a 404 page
    expect(page.locator(".kit-actions")).to_contain_text("Lesson: course lesson ")
    expect(page.locator(".kit-actions a")).to_have_count(0)
    assert_clean(page)


def test_budget_planner_prices_each_preset_validates_and_downloads(page: Page, voila_apps,
                                                                  artifacts):
    open_app(page, voila_apps.url("budget-planner.ipynb"))

    def npv(key: str, **override: float) -> str:
        values = {**budget.PRESETS[key].values, **override}
        return fmt.usd(budget.plan_budget(budget.budget_inputs(**values)).npv, digits=-1)

    shown = page.locator(".kit-npv")
    expect(shown).to_have_text(npv("customer-service"))
    for key in ("rag", "coding"):
        page.get_by_label("Use case", exact=True).select_option(budget.PRESETS[key].label)
        expect(shown).to_have_text(npv(key))
    # the price sheet's citation sits beside the result
    expect(page.locator(".kit-result")).to_contain_text("Priced on")

    set_text(page, "Users", "500")
    expect(shown).to_have_text(npv("coding", users=500))
    set_text(page, "Users", "lots")
    message = page.locator(".kit-field-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Enter a number between 1 and 10,000,000")
    expect(shown).to_have_text(npv("coding", users=500))  # the last good result stays

    text = _download(page, "a[download='budget-plan.md']", artifacts / "budget-plan.md")
    assert "| Use case | Coding assistant |" in text
    assert "| Users | 500 people |" in text
    plan = budget.plan_budget(budget.budget_inputs(**{**budget.PRESETS["coding"].values,
                                                      "users": 500}))
    assert f"| NPV | {fmt.usd(plan.npv)} |" in text
    assert "month,value_usd,cost_usd,cash_flow_usd" in text
    assert_clean(page)


def test_failure_explorer_filters_searches_validates_and_downloads(page: Page, voila_apps,
                                                                   artifacts):
    open_app(page, voila_apps.url("failure-explorer.ipynb"))
    projects, cases = data.load("genai_projects"), data.load("case_studies")
    count = page.locator(".kit-count")
    expect(count).to_have_text(f"{len(projects):,}")
    keys = ["industry", "use_case", "sponsor"]
    seen = set(projects[keys].astype(str).itertuples(index=False, name=None))
    industry, use_case, sponsor = next(  # a combination no project has
        c for c in product(*(sorted(projects[k].astype(str).unique()) for k in keys))
        if c not in seen)
    page.get_by_label("Industry", exact=True).select_option(str(industry))
    expect(count).to_have_text(f"{(projects['industry'] == industry).sum():,}")
    page.get_by_label("Use case", exact=True).select_option(str(use_case))
    expect(count).to_have_text(
        f"{((projects['industry'] == industry) & (projects['use_case'] == use_case)).sum():,}")
    shown = count.inner_text()
    page.get_by_label("Sponsor", exact=True).select_option(str(sponsor))
    message = page.locator(".kit-field-error")
    expect(message).to_contain_text("No project matches these filters")
    expect(count).to_have_text(shown)  # the last good result stays
    # the message sits in the Sponsor field
    row = page.get_by_label("Sponsor", exact=True).locator("xpath=ancestor::div[contains("
                                                           "@class,'kit-field')][1]")
    expect(row.locator(".kit-field-error")).to_be_visible()
    page.get_by_label("Sponsor", exact=True).select_option(label="All sponsors")
    expect(message).to_have_count(0)

    library = page.locator(".kit-library")
    expect(library).to_contain_text(f"{len(cases)} real cases")
    everything = retro.case_library(cases)
    word = everything[0].organisation.split()[0]
    found = retro.search_cases(everything, word)
    set_text(page, "Search", word)
    expect(library).to_contain_text(f"{len(found)} real case")
    expect(library.locator("a", has_text=found[0].publisher).first).to_have_attribute(
        "href", found[0].url)

    set_text(page, "Search", "x" * 61)
    message = page.locator(".kit-field-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Search must be at most 60 characters")
    expect(library).to_contain_text(f"{len(found)} real case")  # the last good result stays

    text = _download(page, "a[download='failure-cases.md']", artifacts / "failure-cases.md")
    assert f"matching “{word}”: {len(found)} real case" in text
    assert f"## {found[0].organisation} ({found[0].year})" in text
    assert found[0].url in text
    text = _download(page, "a[download='failure-explorer.md']",
                     artifacts / "failure-explorer.md")
    assert f"Industry = {industry}" in text and "Synthetic data" in text
    assert_clean(page)


def test_maturity_check_responds_validates_and_downloads(page: Page, voila_apps, artifacts):
    open_app(page, voila_apps.url("maturity-check.ipynb"))
    preset = maturity.PRESETS["financial-report"].values

    def share(**override: float) -> str:
        r = maturity.simulate_automation(**{**preset, **override}, confidence=0.95)
        return fmt.pct(r.conservative.automation_share)

    shown = page.locator(".kit-automation-share")
    expect(shown).to_have_text(share())
    set_text(page, "Errors found", "40")
    expect(shown).to_have_text(share(errors_found=40))
    assert share(errors_found=40) != share()

    set_text(page, "Items reviewed", "0")
    message = page.locator(".kit-field-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Items reviewed must be between 1 and 10,000,000")
    expect(shown).to_have_text(share(errors_found=40))

    page.get_by_role("tab", name="Readiness level").first.click()
    gap = page.locator(".kit-trl-gap")
    expect(gap).to_be_visible()
    evidence = [True] * 4 + [False] * 5  # the app's starting answers
    expect(gap).to_have_text(str(maturity.assess_readiness(7, evidence).gap))
    level = maturity.TRL_LEVELS[3]
    page.get_by_label(f"TRL {level.level}: {level.short}", exact=True).uncheck()
    evidence[3] = False
    expect(gap).to_have_text(str(maturity.assess_readiness(7, evidence).gap))
    assert maturity.assess_readiness(7, evidence).gap != maturity.assess_readiness(
        7, [True] * 4 + [False] * 5).gap

    text = _download(page, "a[download='maturity-check.md']", artifacts / "maturity-check.md")
    assert "| Errors found | 40 errors |" in text
    assert f"| Automated, planning on the upper bound | {share(errors_found=40)} |" in text
    assert_clean(page)

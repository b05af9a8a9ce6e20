"""The back-office works under its Content-Security-Policy: the browser reports no
violation on the pages clerks, administrators and superusers use, and their scripts run
(the new-card form's proposal, the admin's own widgets, the API documentation)."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import UIDS

# Playwright's init scripts are not page scripts: the policy does not apply to them.
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective}: ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`);
});
"""


def violations_on(page: Page, path: str) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_the_pages_of_a_superuser_raise_no_violation(page, demo):
    page.context.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, "admin")
    passholder = demo.passholder(UIDS.ellen)
    card = demo.card("0930000000107")
    paths = [
        "/admin/",
        "/admin/passholders/passholder/",
        f"/admin/passholders/passholder/{passholder.pk}/change/",
        f"/admin/passholders/passholder/{passholder.pk}/new-card/",
        "/admin/cardsystems/card/",
        f"/admin/cardsystems/card/{card.pk}/change/",
        "/admin/cardsystems/card/generate/",
        "/admin/cardsystems/card/import/",
        "/admin/cardsystems/card/stock-overview/",
        f"/admin/cardsystems/balie/{demo.bib_aalst.pk}/change/",
        f"/admin/cardsystems/cardsystem/{demo.aalst.pk}/change/",
        "/admin/cardsystems/auditentry/",
        "/admin/cardsystems/uitpasprice/",
        "/admin/cardsystems/uitpasprice/add/",
        "/admin/cardsystems/sale/",
        "/admin/cardsystems/sale/collected/",
        "/admin/uitid/consumer/add/",
        "/admin/uitid/accesstoken/",
        "/uitpas/schema/docs/",
    ]
    assert {path: violations_on(page, path) for path in paths} == {path: [] for path in paths}


def test_the_new_card_script_runs_under_the_policy(page, demo):
    page.context.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, "ann")
    page.goto(f"/admin/passholders/passholder/{demo.passholder(UIDS.pieter).pk}/new-card/")
    page.fill("#id_uitpas_number", "0930000001113")
    # The script points out OBTAIN_KANSENSTATUUT for a kansenpas number (passholders/new_card.js).
    expect(page.locator("li.proposed")).to_have_attribute("data-reason", "OBTAIN_KANSENSTATUUT")
    assert page.evaluate("window.__violations") == []


def test_the_api_documentation_renders_under_the_policy(page, demo):
    page.context.add_init_script(COLLECT_VIOLATIONS)
    page.goto("/uitpas/schema/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("UiTPAS back-office API")
    assert page.evaluate("window.__violations") == []


def test_an_inline_script_is_refused_and_seen(page, demo):
    """The control: the policy is on, and the collector above does see a violation."""
    page.context.add_init_script(COLLECT_VIOLATIONS)
    page.goto("/admin/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert page.evaluate("window.__violations")[0].startswith("script-src")

"""The guide (Handleiding) in Chromium: reached from the header, shown under the
Content-Security-Policy with no violation, every screenshot loaded."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_content_security_policy import COLLECT_VIOLATIONS


def test_a_clerk_opens_the_guide_from_the_header(page: Page, demo):
    page.context.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, "bert")
    page.click("#guide-link")
    expect(page).to_have_url(re.compile(r"/admin/guide/$"))
    expect(page.locator("#content h1")).to_have_text("Handleiding")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__violations") == []
    images = page.locator(".guide img")
    assert images.count() == 8
    widths = images.evaluate_all("(images) => images.map((image) => image.complete && image.naturalWidth)")
    assert all(width and width > 0 for width in widths), widths
    screenshot(page, "guide")

"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

One browser for the whole session (starting Chromium is the slow part); each test gets
fresh pages in a browser context of its own (cookies, language), on the demo data.
`make test` installs Chromium when it is missing; Playwright never downloads a browser.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# For a reviewer to look at (git-ignored).
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM}; `make test` installs it (as root).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def plain_static_files(settings):
    # The live server serves static files from the apps' folders (staticfiles' finders),
    # which know the plain names, not the hashed ones of the production manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def open_page(browser, live_server, demo, plain_static_files) -> Callable[..., Page]:
    """Opens a page in a new browser context with the browser language ``locale``."""
    contexts = []

    def open_in(locale: str = "nl-BE") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_in
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    """A page of a Dutch-speaking browser."""
    return open_page()


def log_in(page: Page, username: str, password: str = "demo") -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

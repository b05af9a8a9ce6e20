"""The lists an administrator reads fit a laptop's and a tablet's screen: at 1366 and 1024
px wide the card list, the audit log and the stock overview show every column without
scrolling sideways; at 800 px the buttons and the action bar stay clear of the filter.
Screenshots of each go to artifacts/screenshots/."""

import pytest
from playwright.sync_api import Page

from cardsystems import services
from tests.browser.conftest import log_in, screenshot
from tests.stock import ids_of

PAGES = {
    "card-list": ("/admin/cardsystems/card/", "#changelist .results"),
    "audit-log": ("/admin/cardsystems/auditentry/", "#changelist .results"),
    "stock-overview": ("/admin/cardsystems/card/stock-overview/", "#content-main"),
}

OVERFLOW = """(selector) => {
  const box = document.querySelector(selector);
  return {
    box: [box.scrollWidth, box.clientWidth],
    page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
  };
}"""


@pytest.fixture
def used_stock(demo):
    """A log with the kinds of entry an administrator meets: stock moved and blocked."""
    ksb = demo.user("ksb-aalst")
    services.send_cards_to_balie(user=ksb, card_ids=ids_of("0930000000800"), balie=demo.de_werf)
    services.block_cards(user=ksb, card_ids=ids_of("0930056878802"))
    demo.bib_aalst.minimum_stock = 10
    demo.bib_aalst.save()


def at_width(page: Page, width: int) -> Page:
    page.set_viewport_size({"width": width, "height": 900})
    return page


@pytest.mark.parametrize("width", [1366, 1024])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_column_fits(open_page, used_stock, name, width):
    page = at_width(open_page(), width)
    log_in(page, "admin")
    path, box = PAGES[name]
    page.goto(path)
    screenshot(page, f"20-{name}-{width}")
    sizes = page.evaluate(OVERFLOW, box)
    assert sizes["box"][0] <= sizes["box"][1], sizes
    assert sizes["page"][0] <= sizes["page"][1], sizes


def boxes_overlap(first: dict, second: dict) -> bool:
    return not (
        first["x"] + first["width"] <= second["x"]
        or second["x"] + second["width"] <= first["x"]
        or first["y"] + first["height"] <= second["y"]
        or second["y"] + second["height"] <= first["y"]
    )


def test_at_800_px_the_toolbar_stays_clear_of_the_filter(open_page, used_stock):
    page = at_width(open_page(), 800)
    log_in(page, "ksb-aalst")
    page.goto("/admin/cardsystems/card/")
    screenshot(page, "21-card-list-800")
    layout = {
        name: page.locator(selector).bounding_box()
        for name, selector in [
            ("title", "#content h1"),
            ("buttons", ".object-tools"),
            ("search", "#toolbar"),
            ("actions", ".actions"),
            ("filter", "#changelist-filter"),
        ]
    }
    for first, second in [
        ("title", "buttons"),
        ("buttons", "filter"),
        ("search", "filter"),
        ("actions", "filter"),
    ]:
        assert not boxes_overlap(layout[first], layout[second]), (first, second, layout)
    assert page.evaluate(OVERFLOW, "#changelist")["page"] == [800, 800]

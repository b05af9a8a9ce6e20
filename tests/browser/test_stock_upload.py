"""The supplier's file uploaded in a real browser: the preview lists each problem line,
and a good file is imported with one click."""

import pytest
from playwright.sync_api import Page, expect

from cardsystems import services
from cardsystems.models import Card, CardStatus
from tests.browser.conftest import log_in, screenshot


@pytest.fixture
def page(open_page) -> Page:
    """An English-speaking browser, logged in as Regio Aalst's administrator."""
    page = open_page("en-GB")
    log_in(page, "ksb-aalst")
    return page


def upload(page: Page, text: str) -> None:
    page.goto("/admin/cardsystems/card/")
    page.get_by_role("link", name="Import supplier's file").click()
    page.select_option("select[name=card_system]", label="UiTPAS Regio Aalst")
    page.set_input_files(
        "input[name=file]", files=[{"name": "chips.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()


def test_the_upload_shows_its_problems_then_imports_a_good_file(page: Page, demo):
    batch = services.generate_cards(user=demo.user("ksb-aalst"), card_system=demo.aalst, count=2)
    first, last = batch.first_number, batch.last_number

    upload(
        page, f'"chip number";"uitpas number"\n"04F1";"{first}"\n"04F2";"0930000000800"\n"04F1";"{last}"\n'
    )
    rows = page.locator("#import-problems tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".line")).to_have_text("3")
    expect(rows.nth(0).locator("small.code")).to_have_text("INVALID_CARD_STATUS")  # small print
    expect(rows.nth(0).locator(".message")).to_contain_text(
        "Card 0930000000800 has the status “central stock”; only a card whose number was generated"
    )
    expect(rows.nth(1).locator(".line")).to_have_text("4")
    expect(rows.nth(1).locator(".message")).to_contain_text("Chip number 04F1 is on line 2 too.")
    expect(page.locator("#apply-import")).to_have_count(0)
    screenshot(page, "stock-import-preview-with-problems")
    assert Card.objects.get(uitpas_number=first).status == CardStatus.PROVISIONED

    upload(page, f'"04F1";"{first}"\r\n"04F2";"{last}"\r\n')
    expect(page.locator(".card-count")).to_have_text("2")
    expect(page.locator(".problem-count")).to_have_text("0")
    assert Card.objects.get(uitpas_number=first).status == CardStatus.PROVISIONED  # a preview changes nothing
    page.locator("#apply-import").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "2 cards of UiTPAS Regio Aalst are in central stock now."
    )
    expect(page.locator("#result_list")).to_contain_text(first)
    screenshot(page, "stock-card-list-after-import")
    assert list(
        Card.objects.filter(uitpas_number__in=[first, last])
        .order_by("uitpas_number")
        .values_list("status", "chip_number")
    ) == [(CardStatus.STOCK, "04F1"), (CardStatus.STOCK, "04F2")]

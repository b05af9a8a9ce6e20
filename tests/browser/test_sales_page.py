"""What a balie collected, in a real browser: the clerk's page of today, its totals equal
to the sum of the sales listed, the chart, the printed page; a refund by the
administrator. No Content-Security-Policy violation on the way."""

import datetime
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from cardsystems.models import Sale
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_content_security_policy import COLLECT_VIOLATIONS
from tests.test_sales import brussels, sell


def euro(text: str) -> Decimal:
    """An amount as the Dutch page writes it: "€ 1.234,50" or "-2,00"."""
    return Decimal(text.replace("€", "").strip().replace(".", "").replace(",", "."))


def amounts(page: Page, selector: str) -> list[Decimal]:
    return [euro(text) for text in page.locator(selector).all_inner_texts()]


def test_a_clerk_sees_what_her_balie_collected_today(page, demo):
    today = timezone.localdate()
    sell(demo, "0930000000305", "LOSS_THEFT", at=brussels(today, 9, 5))
    sell(demo, "0930000000206", "LOSS_THEFT", voucher="1000001", at=brussels(today, 9, 40))
    sell(demo, "0930000001113", "OBTAIN_KANSENSTATUUT", at=brussels(today, 10, 15))
    sell(
        demo,
        "0930000000107",
        "FIRST_CARD",
        uid="315cdeb7-1d33-4481-91bc-e2d32016a0e9",
        at=brussels(today, 11),
    )
    sell(demo, "0930000000404", "CARD_UPGRADE", at=brussels(today - datetime.timedelta(days=3), 15))
    sell(demo, "0930000000503", "DEFECT", clerk="bert", balie=demo.de_werf, at=brussels(today, 9))

    page.context.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, "ann")
    page.goto("/admin/cardsystems/sale/")
    page.click("text=Ontvangsten per balie")
    expect(page.locator("#collected h2")).to_contain_text("Bibliotheek Aalst")

    listed = amounts(page, "#collected-sales-list tbody td.number")
    assert listed == [Decimal("5.00"), Decimal("0.00"), Decimal("0.00"), Decimal("5.00")]
    per_reason = amounts(page, "#collected-per-reason tbody td.number:nth-child(6)")
    total = euro(page.locator("#collected-per-reason tfoot td.number").last.inner_text())
    assert sum(listed) == sum(per_reason) == total == euro(page.locator("#collected-amount").inner_text())
    assert total == sum(
        sale.amount for sale in Sale.objects.filter(balie=demo.bib_aalst, created_at__gte=brussels(today, 0))
    )
    expect(page.locator("#collected-free")).to_contain_text("2 van 4")
    expect(page.locator("#collected-chart rect")).to_have_count(30)
    screenshot(page, "20-collected-today")

    page.emulate_media(media="print")
    expect(page.locator("#header")).to_be_hidden()
    expect(page.locator("#collected-form")).to_be_hidden()
    expect(page.locator("#collected-amount")).to_be_visible()
    screenshot(page, "21-collected-printed")
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.click("#collected-csv")
    assert download.value.suggested_filename == f"sales-bibliotheek-aalst-{today.isoformat()}.csv"
    assert page.evaluate("window.__violations") == []


def test_an_administrator_refunds_a_sale(page, demo):
    today = timezone.localdate()
    sale = sell(demo, "0930000000305", "LOSS_THEFT", at=brussels(today, 9))
    page.context.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, "ksb-aalst")
    page.goto(f"/admin/cardsystems/sale/collected/?balie={demo.bib_aalst.pk}")
    page.click("#collected-sales-list >> text=Terugbetalen")
    expect(page).to_have_url(re.compile(rf"/sale/{sale.pk}/refund/$"))
    page.fill("#id_amount", "3")
    page.fill("#id_reason", "Aangerekend als volwassene, de pashouder is 16.")
    screenshot(page, "22-refund-form")
    page.click("input[type=submit]")
    expect(page.locator(".messagelist .success")).to_contain_text("is terugbetaald")

    page.goto(f"/admin/cardsystems/sale/collected/?balie={demo.bib_aalst.pk}")
    expect(page.locator("#collected-amount")).to_have_text("€ 2,00")
    expect(page.locator("#collected-sales-list tr.refund")).to_contain_text("terugbetaling van verkoop")
    assert page.evaluate("window.__violations") == []

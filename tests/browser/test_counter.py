"""The counter in Chromium, for a clerk who uses the keyboard only and a scanner that
ends every number with Enter: the common replacement in three actions (look up, new
card, confirm), a kansenstatuut that is only granted when the clerk confirms it seeing
its end date, refusals in words on their field with nothing changed, blocking a card;
in Dutch and in English. Every step leaves a screenshot in artifacts/screenshots/."""

import datetime
import re

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm
from playwright.sync_api import Page, expect

from cardsystems.models import CardStatus
from cardsystems.permissions import CardSystemPermission as Perm
from passholders.models import Membership
from tests.browser.conftest import log_in, screenshot
from tests.conftest import UIDS, database_state

COUNTER = re.compile(r"/admin/counter/$")
HOLDER = re.compile(r"/admin/counter/passholder/\d+/$")


def scan(page: Page, number: str, *, into: str) -> None:
    """What a barcode scanner does: type into the focused field (``into``), then Enter."""
    expect(page.locator(into)).to_be_focused()
    page.keyboard.type(number)
    page.keyboard.press("Enter")


LOOKUP, NEW_NUMBER = "#counter-lookup", "#id_uitpas_number"


def choose_first_reason_then_come_back(page: Page, steps_down: int = 0) -> None:
    """From the new card's number field: Tab to the reasons (the first gets the focus),
    Space chooses it (or the arrow keys the one ``steps_down`` below), Shift+Tab back."""
    page.keyboard.press("Tab")
    if steps_down:
        for _ in range(steps_down):
            page.keyboard.press("ArrowDown")
    else:
        page.keyboard.press("Space")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_uitpas_number")).to_be_focused()


def tab_to(page: Page, selector: str, *, at_most: int = 40) -> None:
    for _ in range(at_most):
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def test_the_common_replacement_in_three_actions(page, demo):
    """bert works at one balie: it is chosen for him."""
    log_in(page, "bert")
    expect(page).to_have_url(COUNTER)
    expect(page.locator("#counter-balie")).to_contain_text("CC De Werf")
    expect(page.locator("#counter-lookup")).to_be_focused()
    screenshot(page, "counter-01-lookup")

    # 1. Pieter's old card, scanned.
    scan(page, "0930056878802", into=LOOKUP)
    expect(page).to_have_url(HOLDER)
    expect(page.locator("#content h1")).to_have_text("Pieter Janssen")
    expect(page.locator("#passholder-memberships")).to_contain_text("0930056878802 (actief)")
    expect(page.locator("#id_uitpas_number")).to_be_focused()
    screenshot(page, "counter-02-holder")

    # 2. The new card: its reason (he lost it), then its scan.
    choose_first_reason_then_come_back(page)
    scan(page, "0930000000503", into=NEW_NUMBER)
    preview = page.locator("#new-card-preview")
    expect(preview).to_contain_text("Kaart 0930000000503 (gewone kaart) wordt de kaart van Pieter Janssen")
    expect(preview).to_contain_text("Ze vervangt 0930056878802, die geblokkeerd wordt.")
    expect(preview).to_contain_text("Verloren of gestolen")
    expect(preview.locator("#new-card-amount")).to_have_text("Te innen: € 5,00.")
    assert demo.card("0930000000503").status == CardStatus.LOCAL_STOCK  # nothing saved yet
    screenshot(page, "counter-03-preview")

    # 3. Confirm.
    page.keyboard.press("Tab")
    expect(page.locator("#new-card-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist .success")).to_have_text(
        "Pieter Janssen heeft nu kaart 0930000000503 in UiTPAS Regio Aalst. De oude kaart 0930056878802 is geblokkeerd. "
        "Aangerekend: € 5,00."
    )
    expect(page.locator("#passholder-cards tr", has_text="0930056878802")).to_contain_text("geblokkeerd")
    # Ready for the next customer.
    expect(page.locator("#counter-lookup")).to_be_focused()
    screenshot(page, "counter-04-done")
    assert Membership.objects.get(passholder__uid=UIDS.pieter).current_card.uitpas_number == "0930000000503"
    assert demo.card("0930056878802").status == CardStatus.BLOCKED


@pytest.fixture
def drama_club_registers(demo):
    assign_perm(Perm.PASSHOLDER_CREATE.full_name, demo.toneel.permission_group, demo.aalst)


def test_a_kansenstatuut_is_granted_only_when_confirmed_with_its_end_date(
    open_page, demo, drama_club_registers
):
    """ann works at two balies that may register cards (in English): she chooses once."""
    page = open_page(locale="en-GB")
    log_in(page, "ann")
    expect(page).to_have_url(re.compile(r"/admin/counter/"))
    expect(page.locator("#counter-choose-balie")).to_contain_text("Bibliotheek Aalst")
    screenshot(page, "counter-05-choose-balie-en")
    page.keyboard.press("Space")  # the first balie has the focus
    tab_to(page, "#counter-choose-balie input[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#counter-balie")).to_contain_text("Acting for Bibliotheek Aalst")

    # A name lists the matches; Tab leads to them.
    scan(page, "janss", into=LOOKUP)
    expect(page.locator("#counter-matches")).to_contain_text("Janssen, Pieter")
    screenshot(page, "counter-06-name-en")
    tab_to(page, "#counter-matches a")
    page.keyboard.press("Enter")
    expect(page.locator("#content h1")).to_have_text("Pieter Janssen")

    # "Kansenstatuut obtained" is the fourth reason: three down from the first.
    choose_first_reason_then_come_back(page, steps_down=3)
    scan(page, "0930000001113", into=NEW_NUMBER)
    end = datetime.date(timezone.localdate().year + 1, 4, 30).strftime("%d/%m/%Y")
    expect(page.locator("#new-card-preview")).to_contain_text(f"Kansenstatuut granted until {end}.")
    confirmation = page.locator(".kansenstatuut-confirmation")
    expect(confirmation).to_have_text(
        f"Yes: Pieter Janssen obtains a kansenstatuut in UiTPAS Regio Aalst until {end}."
    )
    screenshot(page, "counter-07-obtain-preview-en")

    # Confirming without ticking the box changes nothing.
    before = database_state()
    tab_to(page, "#new-card-confirm")
    page.keyboard.press("Enter")
    expect(page.locator(".kansenstatuut-confirmation .errorlist")).to_contain_text(
        "Nothing has changed: tick the box to confirm the kansenstatuut change"
    )
    screenshot(page, "counter-08-obtain-not-confirmed-en")
    assert database_state() == before

    tab_to(page, "#id_kansenstatuut_confirmed")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator("#new-card-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist .success")).to_contain_text(f"Kansenstatuut granted until {end}.")
    screenshot(page, "counter-09-obtain-done-en")
    membership = Membership.objects.get(passholder__uid=UIDS.pieter)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date.strftime("%d/%m/%Y")) == (True, end)


def test_a_refusal_is_shown_in_words_on_its_field_and_changes_nothing(page, demo):
    before = database_state()
    log_in(page, "bert")
    scan(page, "04a1000000001410", into=LOOKUP)  # Ellen's chip, in lower case
    expect(page.locator("#content h1")).to_have_text("Ellen Vanmaele")
    choose_first_reason_then_come_back(page)
    scan(page, "0930000000107", into=NEW_NUMBER)  # in the stock of Bibliotheek Aalst, not of CC De Werf
    error = page.locator(".field-uitpas_number .errorlist")
    expect(error).to_contain_text(
        "Kaart 0930000000107 zit niet in de voorraad van CC De Werf: neem een kaart uit die voorraad."
    )
    expect(error.locator("small.api-code")).to_have_text("INVALID_CARD")
    expect(page.locator(".errornote")).to_have_text("De kaart is niet geregistreerd. Er is niets veranderd.")
    # What was scanned stays, to correct; the focus is on it.
    expect(page.locator("#id_uitpas_number")).to_have_value("0930000000107")
    expect(page.locator("#id_uitpas_number")).to_be_focused()
    screenshot(page, "counter-10-refusal")
    assert database_state() == before


def test_a_scan_with_no_reason_chosen_registers_nothing(page, demo):
    """The issue's case: greet scans a kansenpas for Marc and the scanner presses Enter."""
    before = database_state()
    log_in(page, "greet")
    scan(page, "marc", into=LOOKUP)
    expect(page.locator("#counter-matches")).to_contain_text("Peeters, Marc")
    tab_to(page, "#counter-matches a")
    page.keyboard.press("Enter")
    scan(page, "0945000001111", into=NEW_NUMBER)
    expect(page.locator(".field-reason .errorlist")).to_contain_text("Kies de reden voor de nieuwe kaart.")
    expect(page.locator("#reason-proposal")).to_contain_text("“Kansenstatuut verkregen” kan de reden zijn")
    expect(page.locator("li.proposed")).to_have_attribute("data-reason", "OBTAIN_KANSENSTATUUT")
    expect(page.locator("input[name=reason]:checked")).to_have_count(0)
    screenshot(page, "counter-11-no-reason")
    assert database_state() == before


def test_block_a_card(page, demo):
    log_in(page, "bert")
    scan(page, "0930056878802", into=LOOKUP)
    expect(page.locator(NEW_NUMBER)).to_be_focused()
    tab_to(page, "a.block-card")
    screenshot(page, "counter-12-block-button")
    page.keyboard.press("Enter")
    expect(page.locator("#block-card-question")).to_have_text(
        "Kaart 0930056878802 van Pieter Janssen blokkeren?"
    )
    # A stray scan's Enter on this page blocks nothing.
    page.keyboard.press("Enter")
    expect(page.locator("#block-card-question")).to_be_visible()
    assert demo.card("0930056878802").status == CardStatus.ACTIVE
    screenshot(page, "counter-13-block-question")
    page.keyboard.press("Tab")
    expect(page.locator("#block-card-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist .success")).to_have_text(
        "Kaart 0930056878802 van Pieter Janssen is geblokkeerd: ze kan niet meer gebruikt worden."
    )
    screenshot(page, "counter-14-blocked")
    assert demo.card("0930056878802").status == CardStatus.BLOCKED


CUT_OFF = """() => [document.documentElement, ...document.querySelectorAll("#content *")]
    .filter((element) => {
        const style = getComputedStyle(element);
        const scrolls = element === document.documentElement || ["auto", "scroll", "hidden"].includes(style.overflowX);
        return scrolls && element.clientWidth > 50 && element.scrollWidth > element.clientWidth + 1;
    })
    .map((element) => element.id || element.className || element.tagName)"""


@pytest.mark.parametrize("width", [1366, 1024])
def test_the_counter_and_the_passholder_pages_fit_the_screen(page, demo, width):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "ann")
    ellen = demo.passholder(UIDS.ellen)
    for name, url in [
        ("counter-holder", f"/admin/counter/passholder/{ellen.pk}/"),
        ("passholder-list", "/admin/passholders/passholder/"),
        ("passholder-page", f"/admin/passholders/passholder/{ellen.pk}/change/"),
        ("passholder-history", f"/admin/passholders/passholder/{ellen.pk}/history/"),
    ]:
        page.goto(url)
        # Nothing wider than the window, and no table cut off in a scrolling box.
        cut_off = page.evaluate(CUT_OFF)
        screenshot(page, f"layout-{name}-{width}")
        assert cut_off == [], (name, width)


def test_the_counter_runs_under_the_content_security_policy(page, demo):
    from tests.browser.test_content_security_policy import COLLECT_VIOLATIONS, violations_on

    page.context.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, "bert")
    pieter = demo.passholder(UIDS.pieter)
    paths = [
        "/admin/counter/",
        "/admin/counter/?q=jan",
        f"/admin/counter/passholder/{pieter.pk}/",
        f"/admin/counter/passholder/{pieter.pk}/block/0930056878802/",
        f"/admin/passholders/passholder/{pieter.pk}/history/",
    ]
    assert {path: violations_on(page, path) for path in paths} == {path: [] for path in paths}
    # The new card's script runs there: it points the proposal out while a number is typed.
    page.goto(f"/admin/counter/passholder/{pieter.pk}/")
    page.fill(NEW_NUMBER, "0930000001113")
    expect(page.locator("li.proposed")).to_have_attribute("data-reason", "OBTAIN_KANSENSTATUUT")
    assert page.evaluate("window.__violations") == []

"""A clerk in the admin's passholder pages, in a real browser: find the passholder,
register a new card through the list action or the passholder's button (the form, its
preview, the confirmation), see what happened; mistakes shown on the form in words and
changing nothing; the language switch. Screenshots of the main pages go to
artifacts/screenshots/. (The counter has tests of its own: test_counter.py.)"""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from cardsystems.models import CardStatus
from passholders.models import Membership
from tests.browser.conftest import log_in, screenshot
from tests.conftest import UIDS, database_state

CHANGELIST = "/admin/passholders/passholder/"


def search(page: Page, term: str) -> None:
    page.goto(CHANGELIST)
    page.fill("#searchbar", term)
    page.press("#searchbar", "Enter")


def open_new_card_form(page: Page, uitpas_number: str) -> None:
    """Through the passholder's page: search by card number, open, press the button."""
    search(page, uitpas_number)
    page.locator("#result_list tbody tr th a").click()
    page.click("#register-new-card")
    expect(page).to_have_url(re.compile(r"/new-card/$"))


def preview_and_confirm(page: Page) -> None:
    page.click("input[name=_preview]")
    expect(page.locator("#new-card-preview")).to_be_visible()
    page.click("input[name=_confirm]")


def test_a_clerk_registers_a_new_card_through_the_list_action(page, demo):
    log_in(page, "bert")
    # A clerk's first page is the counter.
    expect(page).to_have_url(re.compile(r"/admin/counter/$"))
    screenshot(page, "01-index-clerk")
    search(page, "0930056878802")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Janssen")
    screenshot(page, "02-passholder-list-search")

    rows.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "register_new_card_action")
    page.click("button[name=index]")
    expect(page).to_have_url(re.compile(r"/new-card/$"))
    # bert works at one balie only: it is chosen for him.
    expect(page.locator("#id_balie")).to_have_value(demo.de_werf.consumer_key)
    page.fill("#id_uitpas_number", "0930000000503")
    page.check("input[name=reason][value=LOSS_THEFT]")
    # The amount to collect, asked as the form is filled in (no page load).
    expect(page.locator("#new-card-amount")).to_have_text("Te innen: € 5,00.")
    page.fill("#id_voucher_number", "1000001")
    expect(page.locator("#new-card-amount")).to_have_text("Te innen: € 0,00. De voucher betaalt de kaart.")
    page.fill("#id_voucher_number", "")
    expect(page.locator("#new-card-amount")).to_have_text("Te innen: € 5,00.")
    screenshot(page, "03-new-card-form")
    preview_and_confirm(page)

    expect(page.locator(".messagelist .success")).to_have_text(
        "Pieter Janssen heeft nu kaart 0930000000503 in UiTPAS Regio Aalst. "
        "De oude kaart 0930056878802 is geblokkeerd. Aangerekend: € 5,00."
    )
    cards = page.locator("#cards-group")
    expect(cards).to_contain_text("0930000000503")
    expect(cards.locator("tr", has_text="0930000000503")).to_contain_text("actief")
    expect(cards.locator("tr", has_text="0930056878802")).to_contain_text("geblokkeerd")
    screenshot(page, "04-passholder-after-new-card")
    membership = Membership.objects.get(passholder__uid=UIDS.pieter)
    assert membership.current_card.uitpas_number == "0930000000503"


def test_a_clerk_registers_a_new_card_through_the_button_and_the_form_points_out_the_reason(page, demo):
    log_in(page, "ann")
    open_new_card_form(page, "0930000001410")  # Ellen, kansenstatuut, kansenpas
    expect(page.locator("#reason-proposal")).to_be_hidden()
    # A regular card for a kansenpas holder: the form points out "kansenstatuut lost",
    # and checks nothing: the clerk chooses.
    page.fill("#id_uitpas_number", "0930000000107")
    expect(page.locator("#reason-proposal")).to_contain_text("Kansenstatuut verloren")
    expect(page.locator("li.proposed")).to_have_attribute("data-reason", "LOSS_KANSENSTATUUT")
    expect(page.locator("input[name=reason]:checked")).to_have_count(0)
    page.check("input[name=reason][value=LOSS_KANSENSTATUUT]")
    page.select_option("#id_balie", label="Bibliotheek Aalst")
    screenshot(page, "05-new-card-form-proposal")
    page.click("input[name=_preview]")
    # The kansenstatuut ends only when the clerk ticks the box that says so.
    page.check("#id_kansenstatuut_confirmed")
    page.click("input[name=_confirm]")

    expect(page.locator(".messagelist .success")).to_contain_text(
        "Ellen Vanmaele heeft nu kaart 0930000000107"
    )
    memberships = page.locator("#memberships-group")
    expect(memberships).to_contain_text("0930000000107")
    expect(memberships).to_contain_text("geen")  # kansenstatuut ended
    assert demo.card("0930000001410").status == CardStatus.BLOCKED


def test_obtaining_a_kansenstatuut_with_the_proposed_end_date(page, demo):
    log_in(page, "ann")
    open_new_card_form(page, "0930056878802")  # Pieter, regular card
    proposed = datetime.date(timezone.localdate().year + 1, 4, 30)
    expect(page.locator("#id_kansenstatuut_end_date")).to_have_value(proposed.isoformat())
    page.fill("#id_uitpas_number", "0930000001113")
    expect(page.locator("input[name=reason]:checked")).to_have_count(0)
    page.check("input[name=reason][value=OBTAIN_KANSENSTATUUT]")
    page.select_option("#id_balie", label="Bibliotheek Aalst")
    page.click("input[name=_preview]")
    expect(page.locator(".kansenstatuut-confirmation")).to_contain_text(f"tot {proposed:%d/%m/%Y}")
    page.check("#id_kansenstatuut_confirmed")
    page.click("input[name=_confirm]")

    expect(page.locator(".messagelist .success")).to_contain_text("0930000001113")
    membership = Membership.objects.get(passholder__uid=UIDS.pieter)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date) == (True, proposed)


def test_a_card_outside_the_balies_stock_is_refused_on_the_form_and_nothing_changes(page, demo):
    before = database_state()
    log_in(page, "ann")
    open_new_card_form(page, "0930056878802")
    page.fill("#id_uitpas_number", "0930000000503")  # in the stock of CC De Werf
    page.check("input[name=reason][value=LOSS_THEFT]")
    page.select_option("#id_balie", label="Bibliotheek Aalst")
    page.click("input[name=_preview]")

    expect(page.locator(".errornote")).to_have_text("De kaart is niet geregistreerd. Er is niets veranderd.")
    expect(page.locator(".field-uitpas_number .errorlist")).to_have_text(
        "Kaart 0930000000503 zit niet in de voorraad van Bibliotheek Aalst: neem een kaart uit die voorraad. "
        "INVALID_CARD"
    )
    expect(page.locator(".field-uitpas_number .errorlist small.api-code")).to_have_text("INVALID_CARD")
    # What she typed is still there, to correct.
    expect(page.locator("#id_uitpas_number")).to_have_value("0930000000503")
    expect(page.locator("input[name=reason][value=LOSS_THEFT]")).to_be_checked()
    screenshot(page, "06-new-card-form-error")
    assert database_state() == before


def test_a_clerk_acting_for_a_balie_without_rights_is_refused(page, demo):
    before = database_state()
    log_in(page, "ann")
    open_new_card_form(page, "0930056878802")
    page.fill("#id_uitpas_number", "0930000000206")
    page.check("input[name=reason][value=DEFECT]")
    page.select_option("#id_balie", label="Toneelvereniging Haaltert")
    page.click("input[name=_preview]")

    expect(page.locator(".field-balie .errorlist")).to_have_text(
        "Toneelvereniging Haaltert mag geen kaarten van UiTPAS Regio Aalst uitreiken. ACCESS_DENIED"
    )
    screenshot(page, "07-new-card-form-access-denied")
    assert database_state() == before


def test_the_language_follows_the_browser_and_the_switch(open_page, demo):
    page = open_page(locale="en-GB")
    page.goto("/admin/login/")
    expect(page.locator("#login-form [type=submit]")).to_have_value("Log in")
    page.click("#language-switch button[value=nl]")
    expect(page.locator("#login-form [type=submit]")).to_have_value("Aanmelden")
    screenshot(page, "00-login")
    log_in(page, "ann")
    expect(page.locator("#site-name")).to_have_text("UiTPAS-backoffice")
    page.click("#language-switch button[value=en]")
    expect(page.locator("#site-name")).to_have_text("UiTPAS back-office")
    page.goto(CHANGELIST)
    expect(page.locator("#changelist-search")).to_contain_text(
        "Search by UiTPAS number, chip number, uid, or the start of the name and first name."
    )
    # The search box has the focus: a scan or a name is what comes next.
    expect(page.locator("#searchbar")).to_be_focused()
    screenshot(page, "08-passholder-list-english")


def test_the_set_up_pages_of_a_superuser(page, demo):
    log_in(page, "admin")
    page.goto(f"/admin/cardsystems/balie/{demo.bib_aalst.pk}/change/")
    rights = page.locator("#balie-rights")
    expect(rights).to_contain_text("Pashouders en nieuwe kaarten registreren")
    expect(page.locator(".field-consumer_key .readonly")).to_have_text(demo.bib_aalst.consumer_key)
    screenshot(page, "09-balie")
    rights.locator("a.changelink").click()
    expect(page.locator("#content")).to_contain_text(demo.bib_aalst.permission_group.name)
    screenshot(page, "10-balie-rights-guardian")
    page.goto("/admin/cardsystems/voucher/")
    expect(page.locator("#result_list")).to_contain_text("1000003")
    screenshot(page, "11-vouchers")
    page.goto("/admin/authtoken/tokenproxy/")
    screenshot(page, "12-api-tokens")

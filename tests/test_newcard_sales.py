"""newCard charges: every registration, through the API or the back-office, records
the sale of the card at the price of the card system's price list, in its transaction;
a refused one records nothing. The back-office shows the amount before the clerk
confirms (the preview, and the form's script asking the same plan)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cardsystems.models import FreeBecause, NewCardReason, Sale, Voucher
from passholders.services import register_new_card
from tests.conftest import KEYS, SEED_REQUEST, SEED_RESPONSE, UIDS, database_state, error_code

NEW_CARD = "/uitpas/passholder/newCard"


def only_sale() -> Sale:
    [sale] = Sale.objects.select_related("balie", "clerk", "passholder", "card", "voucher", "price")
    return sale


def test_the_seeds_request_records_its_sale_and_answers_byte_for_byte(demo, api_as):
    response = api_as("ann").post(NEW_CARD, SEED_REQUEST)
    assert response.content == SEED_RESPONSE
    sale = only_sale()
    # Ellen loses her kansenstatuut: the regular card of LOSS_KANSENSTATUUT costs 0.00
    # in Regio Aalst's price list (a row that is set, not a missing one).
    assert (sale.reason, sale.amount, sale.price is not None) == (
        NewCardReason.LOSS_KANSENSTATUUT,
        Decimal("0.00"),
        True,
    )
    assert (sale.balie, sale.clerk.username, sale.clerk_name) == (demo.bib_aalst, "ann", "ann")
    assert (sale.passholder.uid.hex, sale.card.uitpas_number) == (
        UIDS.ellen.replace("-", ""),
        "0930000000107",
    )
    assert (sale.kansenstatuut, sale.voucher, sale.free_because) == (False, None, "")


@pytest.mark.parametrize(
    ("uid", "number", "reason", "voucher", "amount", "free_because"),
    [
        # Pieter, 2012, a regular card lost: 5.00 whatever the age.
        (UIDS.pieter, "0930000000305", "LOSS_THEFT", None, "5.00", ""),
        # The same with a voucher of Gratis UiTPAS: its type's row, 0.00.
        (UIDS.pieter, "0930000000305", "LOSS_THEFT", "1000001", "0.00", FreeBecause.VOUCHER),
        (UIDS.pieter, "0930000000305", "CARD_UPGRADE", None, "2.00", ""),
        # Tom's kansenstatuut ended: a new kansenstatuut on a kansenpas costs 0.00.
        (UIDS.tom, "0930000001113", "OBTAIN_KANSENSTATUUT", None, "0.00", FreeBecause.KANSENSTATUUT),
    ],
)
def test_the_api_charges_the_price_lists_price(
    demo, api_as, uid, number, reason, voucher, amount, free_because
):
    data = {"uid": uid, "uitpasNumber": number, "reason": reason, "balieConsumerKey": KEYS.bib_aalst}
    if voucher:
        data["voucherNumber"] = voucher
    if reason == "OBTAIN_KANSENSTATUUT":
        data["kansenStatuutEndDate"] = f"{datetime.date.today().year + 1}-06-30"
    response = api_as("ann").post(NEW_CARD, data)
    assert response.status_code == 200, response.content
    sale = only_sale()
    assert (sale.reason, sale.amount, sale.free_because) == (reason, Decimal(amount), free_because)
    assert sale.voucher == (None if voucher is None else Voucher.objects.get(number=voucher))
    assert sale.price_snapshot["price"] == amount


def test_a_registration_with_no_fitting_price_row_charges_nothing_and_says_so(demo, api_as):
    # Bibliotheek Gent: Gent's price list has no CARD_UPGRADE row.
    response = api_as("greet").post(
        NEW_CARD,
        {
            "uid": UIDS.marc,
            "uitpasNumber": "0945000000204",
            "reason": "CARD_UPGRADE",
            "balieConsumerKey": KEYS.bib_gent,
        },
    )
    assert response.status_code == 200, response.content
    sale = only_sale()
    assert (sale.amount, sale.price, sale.price_snapshot) == (Decimal("0.00"), None, None)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        # The last check of the table: everything else passed, the sale is next.
        ({**SEED_REQUEST, "voucherNumber": "1000003"}, "INVALID_VOUCHER_STATUS"),
        ({**SEED_REQUEST, "uitpasNumber": "0930000000800"}, "INVALID_CARD_STATUS"),
        ({**SEED_REQUEST, "reason": "EXTRA_CARD"}, "INVALID_CARD"),  # already an active card
    ],
)
def test_a_refused_registration_records_no_sale(demo, api_as, data, code):
    before = database_state()
    response = api_as("ann").post(NEW_CARD, data)
    assert (response.status_code, error_code(response)) == (400, code)
    assert database_state() == before
    assert not Sale.objects.exists()


def test_a_failing_sale_undoes_the_registration(demo, monkeypatch):
    """The sale is part of the registration's transaction: when it cannot be written,
    nothing of the registration stays."""
    import passholders.services

    def broken_sale(**kwargs):
        raise RuntimeError("the sales table is unavailable")

    monkeypatch.setattr(passholders.services, "record_sale", broken_sale)
    before = database_state()
    with pytest.raises(RuntimeError):
        register_new_card(
            user=demo.user("ann"),
            uid=UIDS.pieter,
            reason="LOSS_THEFT",
            uitpas_number="0930000000305",
            balie_consumer_key=KEYS.bib_aalst,
        )
    assert database_state() == before


# --- The back-office ---------------------------------------------------------------


def new_card_url(passholder):
    return reverse("admin:passholders_passholder_new_card", args=[passholder.pk])


LOSS_THEFT = {"reason": "LOSS_THEFT", "uitpas_number": "0930000000305", "balie": KEYS.bib_aalst}


def test_the_preview_shows_the_amount_to_collect_and_the_message_what_was_charged(demo, admin_as):
    client, pieter = admin_as("ann"), demo.passholder(UIDS.pieter)
    previewed = client.post(new_card_url(pieter), {**LOSS_THEFT, "_preview": "1"})
    assert previewed.context["step"].price_sentence == "Te innen: € 5,00."
    assert "Te innen: € 5,00." in previewed.content.decode()
    assert not Sale.objects.exists()
    confirmed = client.post(
        new_card_url(pieter),
        {**previewed.context["step"].form.carried_values(), "_confirm": "1"},
        follow=True,
    )
    assert "Aangerekend: € 5,00." in [str(message) for message in confirmed.context["messages"]][0]
    sale = only_sale()
    assert (sale.amount, sale.balie, sale.clerk.username) == (Decimal("5.00"), demo.bib_aalst, "ann")


@pytest.mark.parametrize(
    ("values", "sentence"),
    [
        (LOSS_THEFT, "Te innen: € 5,00."),
        ({**LOSS_THEFT, "voucher_number": "1000001"}, "Te innen: € 0,00. De voucher betaalt de kaart."),
        ({**LOSS_THEFT, "reason": "CARD_UPGRADE"}, "Te innen: € 2,00."),
        # Refused (a card of CC De Werf's stock): no amount; the preview says why.
        ({**LOSS_THEFT, "uitpas_number": "0930000000503"}, ""),
        ({**LOSS_THEFT, "reason": ""}, ""),
    ],
)
def test_the_forms_script_asks_the_amount_of_the_values_on_the_form(demo, admin_as, values, sentence):
    before = database_state()
    response = admin_as("ann").post(new_card_url(demo.passholder(UIDS.pieter)), {**values, "_price": "1"})
    assert response.json() == {"amount": sentence}
    assert database_state() == before


def test_the_counter_answers_the_amount_too(demo, admin_as):
    client = admin_as("ann")
    client.post(reverse("admin:counter_balie"), {"balie": str(demo.bib_aalst.pk)})
    pieter = demo.passholder(UIDS.pieter)
    response = client.post(
        reverse("admin:counter_new_card", args=[pieter.pk]),
        {"reason": "LOSS_THEFT", "uitpas_number": "0930000000305", "_price": "1"},
    )
    assert response.json() == {"amount": "Te innen: € 5,00."}
    assert not Sale.objects.exists()


def test_the_price_of_a_registration_is_no_one_elses_business(demo, admin_as):
    """greet (Gent) asks the amount for Pieter (Regio Aalst): his page does not exist
    for her, and neither does its price."""
    response = admin_as("greet").post(
        new_card_url(demo.passholder(UIDS.pieter)), {**LOSS_THEFT, "_price": "1"}
    )
    assert response.status_code == 404

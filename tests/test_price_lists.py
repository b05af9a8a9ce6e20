"""The price lists: kept by each card system's administrators in the admin, never two
rows for the same registration, every change in the audit log."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cardsystems.models import AuditEntry, UitpasPrice, VoucherType
from cardsystems.price_services import delete_price, save_price
from uitpas_site.errors import ErrorCode, UitpasError

ADD = "admin:cardsystems_uitpasprice_add"


def form(demo, **changes) -> dict:
    """A new STICKER row of Regio Aalst (the demo prices none): lost, regular, 0 to 11."""
    data = {
        "card_system": demo.aalst.pk,
        "reason": "LOSS_THEFT",
        "card_type": "STICKER",
        "kansenstatuut": "",
        "voucher_type": "",
        "age_from": "0",
        "age_to": "11",
        "price": "3.00",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def errors_of(response) -> list[str]:
    adminform = response.context["adminform"].form
    return [str(message) for messages in adminform.errors.values() for message in messages]


def test_the_administrator_adds_a_row_and_the_audit_log_says_so(demo, admin_as):
    response = admin_as("ksb-aalst").post(reverse(ADD), form(demo))
    assert response.status_code == 302, errors_of(response)
    row = UitpasPrice.objects.get(card_type="STICKER")
    assert (row.age_from, row.age_to, row.price, row.use_when_age_unknown) == (0, 11, Decimal("3.00"), False)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PRICE_ADDED)
    assert (entry.username, entry.card_system, entry.changes["price"]) == (
        "ksb-aalst",
        demo.aalst,
        [None, "3.00"],
    )


@pytest.mark.parametrize(
    "first, second",
    [
        (("0", "11"), ("11", "17")),  # share the age 11
        (("0", "11"), ("5", "8")),  # one inside the other
        ((None, "11"), (None, None)),  # any age
        (("12", None), ("30", "40")),  # "12 and over" takes 30 to 40
    ],
    ids=["touching", "inside", "any age", "open end"],
)
def test_overlapping_age_ranges_are_refused_naming_the_other_row(demo, admin_as, first, second):
    client = admin_as("ksb-aalst")
    assert client.post(reverse(ADD), form(demo, age_from=first[0], age_to=first[1])).status_code == 302
    response = client.post(reverse(ADD), form(demo, age_from=second[0], age_to=second[1], price="4.00"))
    assert response.status_code == 200
    [message] = errors_of(response)
    assert message.startswith("INVALID_PARAMETERS: ")
    assert str(UitpasPrice.objects.get(card_type="STICKER")) in message
    assert UitpasPrice.objects.filter(card_type="STICKER").count() == 1


def test_ranges_that_do_not_overlap_and_other_combinations_are_accepted(demo, admin_as):
    client = admin_as("ksb-aalst")
    for changes in (
        {"age_from": "0", "age_to": "11"},
        {"age_from": "12", "age_to": None},
        {"age_from": "0", "age_to": "11", "kansenstatuut": "on"},
        {"age_from": None, "age_to": None, "voucher_type": VoucherType.objects.get(prefix="100").pk},
        {"age_from": "0", "age_to": "11", "reason": "DEFECT"},
    ):
        response = client.post(reverse(ADD), form(demo, **changes))
        assert response.status_code == 302, errors_of(response)
    assert UitpasPrice.objects.filter(card_type="STICKER").count() == 5


def test_two_rows_for_an_unknown_age_are_refused(demo, admin_as):
    client = admin_as("ksb-aalst")
    assert client.post(reverse(ADD), form(demo, use_when_age_unknown="on")).status_code == 302
    response = client.post(reverse(ADD), form(demo, age_from="12", age_to=None, use_when_age_unknown="on"))
    [message] = errors_of(response)
    assert message.startswith("INVALID_PARAMETERS: ")
    assert str(UitpasPrice.objects.get(card_type="STICKER")) in message
    assert UitpasPrice.objects.filter(card_type="STICKER").count() == 1


def test_the_database_holds_one_row_for_an_unknown_age_per_combination(demo):
    row = UitpasPrice.objects.get(
        card_system=demo.aalst, reason="LOSS_THEFT", kansenstatuut=False, voucher_type=None
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        UitpasPrice.objects.create(
            card_system=demo.aalst,
            reason=row.reason,
            card_type=row.card_type,
            kansenstatuut=False,
            age_from=99,
            use_when_age_unknown=True,
            price=Decimal("1.00"),
        )


def test_a_changed_row_may_keep_its_own_range(demo, admin_as):
    row = UitpasPrice.objects.get(card_system=demo.aalst, reason="FIRST_CARD", kansenstatuut=False, age_to=17)
    url = reverse("admin:cardsystems_uitpasprice_change", args=[row.pk])
    response = admin_as("ksb-aalst").post(
        url, form(demo, reason="FIRST_CARD", card_type="CARD", age_from=None, age_to="17", price="2.50")
    )
    assert response.status_code == 302, errors_of(response)
    row.refresh_from_db()
    assert row.price == Decimal("2.50")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PRICE_CHANGED)
    assert entry.changes == {"price": ["2.00", "2.50"]}
    # Moving it into the adult range is refused.
    response = admin_as("ksb-aalst").post(
        url, form(demo, reason="FIRST_CARD", card_type="CARD", age_from=None, age_to="18", price="2.50")
    )
    assert response.status_code == 200
    adults = UitpasPrice.objects.get(
        card_system=demo.aalst, reason="FIRST_CARD", kansenstatuut=False, age_from=18
    )
    assert str(adults) in errors_of(response)[0]


def test_an_age_range_that_ends_before_it_starts_is_refused(demo, admin_as):
    response = admin_as("ksb-aalst").post(reverse(ADD), form(demo, age_from="12", age_to="11"))
    assert response.status_code == 200
    assert errors_of(response)
    assert not UitpasPrice.objects.filter(card_type="STICKER").exists()


def test_a_voucher_type_of_another_card_system_is_refused_by_the_service(demo):
    gent_vouchers = VoucherType.objects.get(prefix="200")
    row = UitpasPrice(
        card_system=demo.aalst, reason="LOSS_THEFT", card_type="STICKER", voucher_type=gent_vouchers, price=0
    )
    with pytest.raises(UitpasError) as refused:
        save_price(user=demo.user("ksb-aalst"), row=row)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_PARAMETERS, "voucher_type")


def test_only_the_card_systems_administrators_keep_its_price_list(demo, admin_as):
    gent_row = UitpasPrice.objects.filter(card_system=demo.gent).first()
    with pytest.raises(UitpasError) as refused:
        save_price(
            user=demo.user("ksb-aalst"), row=UitpasPrice(card_system=demo.gent, reason="DEFECT", price=1)
        )
    assert refused.value.code == ErrorCode.ACCESS_DENIED
    with pytest.raises(UitpasError):
        delete_price(user=demo.user("ksb-aalst"), row=gent_row)
    ksb = admin_as("ksb-aalst")
    listed = ksb.get(reverse("admin:cardsystems_uitpasprice_changelist"))
    assert {row.card_system for row in listed.context["cl"].result_list} == {demo.aalst}
    assert ksb.get(reverse("admin:cardsystems_uitpasprice_change", args=[gent_row.pk])).status_code == 302
    # Gent is not on offer, and posting it anyway is refused.
    assert ksb.post(reverse(ADD), form(demo, card_system=demo.gent.pk)).status_code == 200
    assert not UitpasPrice.objects.filter(card_type="STICKER").exists()
    # Clerks see no price list.
    assert admin_as("ann").get(reverse("admin:cardsystems_uitpasprice_changelist")).status_code == 403


def test_deleting_a_row_is_in_the_audit_log(demo, admin_as):
    row = UitpasPrice.objects.get(
        card_system=demo.aalst, reason="CARD_UPGRADE", kansenstatuut=True, voucher_type=None
    )
    response = admin_as("ksb-aalst").post(
        reverse("admin:cardsystems_uitpasprice_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not UitpasPrice.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PRICE_DELETED)
    assert entry.changes["price"] == ["0.50", None]

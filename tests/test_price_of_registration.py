"""The one price function: which row of the demo price lists fits a registration."""

import datetime
from decimal import Decimal

import pytest

from cardsystems.models import CardType, UitpasPrice, Voucher
from cardsystems.price_selectors import age_on, price_of_registration

ON = datetime.date(2026, 6, 15)


def born(years: int, *, days_later: int = 0) -> datetime.date:
    """The date of birth of someone who turns ``years`` on ON, ``days_later`` moved on."""
    return datetime.date(ON.year - years, ON.month, ON.day) + datetime.timedelta(days=days_later)


AALST, GENT = "aalst", "gent"
# card system, reason, kansenpas, date of birth, voucher, card type -> price (None: no price set)
CASES = {
    "first card, 17 (18 tomorrow)": (
        AALST,
        "FIRST_CARD",
        False,
        born(18, days_later=1),
        None,
        "CARD",
        "2.00",
    ),
    "first card, 18 on the birthday": (AALST, "FIRST_CARD", False, born(18), None, "CARD", "5.00"),
    "first card, newborn": (AALST, "FIRST_CARD", False, ON, None, "CARD", "2.00"),
    "first card, age unknown": (AALST, "FIRST_CARD", False, None, None, "CARD", "5.00"),
    "first card, kansenpas, 10": (AALST, "FIRST_CARD", True, born(10), None, "CARD", "1.00"),
    "first card, kansenpas, age unknown": (AALST, "FIRST_CARD", True, None, None, "CARD", "1.00"),
    "extra card, 17 on the birthday": (AALST, "EXTRA_CARD", False, born(17), None, "CARD", "2.00"),
    "extra card, 18 on the birthday": (AALST, "EXTRA_CARD", False, born(18), None, "CARD", "5.00"),
    "extra card, age unknown": (AALST, "EXTRA_CARD", False, None, None, "CARD", "5.00"),
    "lost, 40": (AALST, "LOSS_THEFT", False, born(40), None, "CARD", "5.00"),
    "lost, age unknown": (AALST, "LOSS_THEFT", False, None, None, "CARD", "5.00"),
    "lost, kansenpas": (AALST, "LOSS_THEFT", True, born(30), None, "CARD", "1.00"),
    "defect, 12": (AALST, "DEFECT", False, born(12), None, "CARD", "5.00"),
    "defect, kansenpas, age unknown": (AALST, "DEFECT", True, None, None, "CARD", "1.00"),
    "upgrade": (AALST, "CARD_UPGRADE", False, born(30), None, "CARD", "2.00"),
    "upgrade, kansenpas": (AALST, "CARD_UPGRADE", True, None, None, "CARD", "0.50"),
    "kansenstatuut obtained": (AALST, "OBTAIN_KANSENSTATUUT", True, born(30), None, "CARD", "0.00"),
    "kansenstatuut lost": (AALST, "LOSS_KANSENSTATUUT", False, None, None, "CARD", "0.00"),
    "lost, voucher": (AALST, "LOSS_THEFT", False, born(30), "1000001", "CARD", "0.00"),
    "first card, 16, redeemed voucher": (AALST, "FIRST_CARD", False, born(16), "1000003", "CARD", "0.00"),
    "upgrade, kansenpas, voucher": (AALST, "CARD_UPGRADE", True, None, "1000002", "CARD", "0.00"),
    "lost, voucher of another card system": (AALST, "LOSS_THEFT", False, born(30), "2000001", "CARD", "5.00"),
    "Gent, lost": (GENT, "LOSS_THEFT", False, born(30), None, "CARD", "7.00"),
    "Gent, defect, kansenpas": (GENT, "DEFECT", True, None, None, "CARD", "1.50"),
    "Gent, first card, voucher": (GENT, "FIRST_CARD", False, born(5), "2000001", "CARD", "0.00"),
    "Gent, first card, kansenpas, voucher": (GENT, "FIRST_CARD", True, None, "2000001", "CARD", "0.00"),
    # Gent prices no voucher for a lost card: the voucher changes nothing.
    "Gent, lost, voucher for first cards only": (
        GENT,
        "LOSS_THEFT",
        False,
        born(30),
        "2000001",
        "CARD",
        "7.00",
    ),
    "Gent, lost, voucher of another card system": (GENT, "LOSS_THEFT", True, None, "1000001", "CARD", "1.50"),
    # No fitting row: no price set.
    "obtained with a regular card": (AALST, "OBTAIN_KANSENSTATUUT", False, born(30), None, "CARD", None),
    "lost kansenstatuut with a kansenpas": (AALST, "LOSS_KANSENSTATUUT", True, None, None, "CARD", None),
    "a sticker": (AALST, "LOSS_THEFT", False, born(30), None, "STICKER", None),
    "Gent, upgrade": (GENT, "CARD_UPGRADE", False, born(30), None, "CARD", None),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_price_of_a_registration(demo, case, django_assert_num_queries):
    card_system, reason, kansenpas, date_of_birth, voucher_number, card_type, expected = case
    voucher = Voucher.objects.get(number=voucher_number) if voucher_number else None
    with django_assert_num_queries(1):
        price = price_of_registration(
            card_system=getattr(demo, card_system),
            reason=reason,
            card_type=card_type,
            kansenpas=kansenpas,
            date_of_birth=date_of_birth,
            on=ON,
            voucher=voucher,
        )
    if expected is None:
        assert (price.row, price.is_set, price.amount) == (None, False, Decimal("0.00"))
    else:
        assert price.is_set and price.amount == Decimal(expected)
        row = price.row
        assert (row.card_system, row.reason, row.card_type, row.kansenstatuut) == (
            getattr(demo, card_system),
            reason,
            card_type,
            kansenpas,
        )
        if voucher is not None and voucher.voucher_type.card_system == row.card_system and row.voucher_type:
            assert row.voucher_type == voucher.voucher_type


def test_every_demo_row_is_the_price_of_some_registration(demo):
    rows = list(UitpasPrice.objects.select_related("voucher_type__card_system"))
    assert len(rows) == 28 + 12
    for row in rows:
        age = row.age_from if row.age_from is not None else row.age_to
        date_of_birth = born(age) if age is not None else None
        if date_of_birth is None and not row.use_when_age_unknown:
            date_of_birth = born(30)
        voucher = row.voucher_type.vouchers.first() if row.voucher_type else None
        price = price_of_registration(
            card_system=row.card_system,
            reason=row.reason,
            card_type=CardType.CARD,
            kansenpas=row.kansenstatuut,
            date_of_birth=date_of_birth,
            on=ON,
            voucher=voucher,
        )
        assert price.row == row, row


@pytest.mark.parametrize(
    "date_of_birth, day, age",
    [
        (datetime.date(2008, 6, 15), datetime.date(2026, 6, 15), 18),
        (datetime.date(2008, 6, 16), datetime.date(2026, 6, 15), 17),
        (datetime.date(2008, 6, 14), datetime.date(2026, 6, 15), 18),
        (datetime.date(2026, 6, 15), datetime.date(2026, 6, 15), 0),
        # Born on 29 February: a year older on 1 March when the year has no 29 February.
        (datetime.date(2008, 2, 29), datetime.date(2026, 2, 28), 17),
        (datetime.date(2008, 2, 29), datetime.date(2026, 3, 1), 18),
        (datetime.date(2008, 2, 29), datetime.date(2028, 2, 29), 20),
    ],
)
def test_age_on_a_day_counts_the_birthday(date_of_birth, day, age):
    assert age_on(date_of_birth, day) == age

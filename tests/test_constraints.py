"""Invariants the database itself holds, whatever code writes to it."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from cardsystems.models import Card, CardStatus, Voucher
from passholders.models import Membership
from tests.conftest import UIDS


def refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "changes",
    [
        {"uitpas_number": "093000000010"},  # 12 digits
        {"uitpas_number": "1930000000206"},  # not starting with 0
        {"uitpas_number": "0930000000226"},  # 12th digit 2
        {"chip_number": "04a1"},  # lower case
        {"status": "LOST"},
        {"card_type": "BADGE"},
        {"balie": None},  # LOCAL_STOCK without a balie
        {"chip_number": None},  # in stock without a chip
        {"status": CardStatus.ACTIVE},  # active without a holder (and still at a balie)
        {"chip_number": "04A1000000000107"},  # another card's chip
    ],
)
def test_a_card_cannot_break_its_invariants(demo, changes):
    assert refused(lambda: Card.objects.filter(uitpas_number="0930000000206").update(**changes))


def test_the_kansenpas_flag_is_read_from_the_number(demo):
    card = Card.objects.get(uitpas_number="0930000001113")
    assert card.kansenpas
    assert Card.objects.filter(kansenpas=True).count() == 6


def test_a_card_is_the_current_card_of_one_membership_at_most(demo):
    ellen_card = Card.objects.get(uitpas_number="0930000001410")
    assert refused(
        lambda: Membership.objects.filter(passholder__uid=UIDS.pieter).update(current_card=ellen_card)
    )


def test_one_membership_per_card_system(demo):
    ellen = Membership.objects.get(passholder__uid=UIDS.ellen)
    assert refused(
        lambda: Membership.objects.create(passholder=ellen.passholder, card_system=ellen.card_system)
    )


def test_a_kansenstatuut_has_an_end_date(demo):
    assert refused(
        lambda: Membership.objects.filter(passholder__uid=UIDS.ellen).update(kansenstatuut_end_date=None)
    )
    assert refused(lambda: Membership.objects.filter(passholder__uid=UIDS.pieter).update(kansenstatuut=True))


def test_a_voucher_number_is_digits_and_a_redemption_has_a_time(demo, django_user_model):
    assert refused(lambda: Voucher.objects.filter(number="1000001").update(number="10a"))
    ann = django_user_model.objects.get(username="ann")
    assert refused(lambda: Voucher.objects.filter(number="1000001").update(redeemed_by=ann))


def test_no_model_change_lacks_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)

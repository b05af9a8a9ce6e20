"""What each reason of newCard does to cards, membership, kansenstatuut, voucher and history."""

import datetime

import pytest
from django.utils import timezone

from cardsystems.models import CardHistory, CardStatus, Voucher
from cardsystems.permissions import CardSystemPermission as Perm
from passholders.models import Membership
from passholders.services import register_new_card
from tests.conftest import KEYS, UIDS
from tests.factories import BalieFactory, CardFactory, MembershipFactory, PassholderFactory
from uitpas_site.errors import UitpasError

TODAY = timezone.localdate()
NEXT_YEAR_END = datetime.date(TODAY.year + 1, 12, 31)


def history_of(card):
    return list(
        CardHistory.objects.filter(card=card)
        .exclude(reason=CardHistory.Reason.CREATED)
        .values_list("from_status", "to_status", "reason", "user__username", "balie__name")
    )


@pytest.mark.parametrize("reason", ["LOSS_THEFT", "DEFECT", "CARD_UPGRADE"])
def test_replacement_blocks_the_old_card_and_keeps_the_kansenstatuut(demo, reason):
    pieter = demo.passholder(UIDS.pieter)
    result = register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason=reason,
        uitpas_number="0930000000206",
        balie_consumer_key=KEYS.bib_aalst,
    )
    new, old = demo.card("0930000000206"), demo.card("0930056878802")
    assert (new.status, new.passholder, new.balie) == (CardStatus.ACTIVE, pieter, None)
    assert (old.status, old.passholder) == (CardStatus.BLOCKED, pieter)
    membership = Membership.objects.get(passholder=pieter, card_system=demo.aalst)
    assert membership.current_card == new
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date) == (False, None)
    assert history_of(new) == [("LOCAL_STOCK", "ACTIVE", reason, "ann", "Bibliotheek Aalst")]
    assert history_of(old) == [("ACTIVE", "BLOCKED", reason, "ann", "Bibliotheek Aalst")]
    assert (result.card, result.replaced_card, result.replaced_card_blocked) == (new, old, True)


def test_replacement_with_kansenstatuut_needs_and_keeps_a_kansenpas(demo):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.ellen,
        reason="DEFECT",
        uitpas_number="0930000001113",
        balie_consumer_key=KEYS.bib_aalst,
    )
    membership = Membership.objects.get(passholder__uid=UIDS.ellen)
    assert membership.current_card.uitpas_number == "0930000001113"
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date) == (
        True,
        datetime.date(TODAY.year, 12, 31),
    )


def test_a_kansenstatuut_in_its_grace_period_still_counts(demo):
    # Regio Aalst has 30 days of grace: ended 10 days ago still needs a kansenpas.
    pieter = demo.passholder(UIDS.pieter)
    Membership.objects.filter(passholder=pieter).update(
        kansenstatuut=True, kansenstatuut_end_date=TODAY - datetime.timedelta(days=10)
    )
    with pytest.raises(UitpasError) as refused:
        register_new_card(
            user=demo.user("ann"),
            uid=UIDS.pieter,
            reason="LOSS_THEFT",
            uitpas_number="0930000000206",
            balie_consumer_key=KEYS.bib_aalst,
        )
    assert refused.value.code == "INVALID_CARD"
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="LOSS_THEFT",
        uitpas_number="0930000001113",
        balie_consumer_key=KEYS.bib_aalst,
    )
    assert demo.card("0930000001113").status == CardStatus.ACTIVE


def test_the_grace_period_ends_on_its_last_day(demo):
    membership = Membership.objects.get(passholder__uid=UIDS.pieter)
    membership.kansenstatuut, membership.kansenstatuut_end_date = True, TODAY - datetime.timedelta(days=30)
    assert membership.kansenstatuut_counts(TODAY)
    assert not membership.kansenstatuut_counts(TODAY + datetime.timedelta(days=1))


def test_obtain_kansenstatuut_grants_it_until_the_given_date(demo):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="OBTAIN_KANSENSTATUUT",
        uitpas_number="0930000001113",
        balie_consumer_key=KEYS.bib_aalst,
        kansenstatuut_end_date=NEXT_YEAR_END.isoformat(),
    )
    membership = Membership.objects.get(passholder__uid=UIDS.pieter)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date) == (True, NEXT_YEAR_END)
    assert membership.current_card.uitpas_number == "0930000001113"
    assert demo.card("0930056878802").status == CardStatus.BLOCKED


def test_obtain_after_an_expired_kansenstatuut(demo):
    # Tom's kansenstatuut ended 60 days ago, past Regio Aalst's 30 days of grace.
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.tom,
        reason="OBTAIN_KANSENSTATUUT",
        uitpas_number="0930000001212",
        balie_consumer_key=KEYS.bib_aalst,
        kansenstatuut_end_date=TODAY.isoformat(),
    )
    membership = Membership.objects.get(passholder__uid=UIDS.tom)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date) == (True, TODAY)


@pytest.mark.parametrize("uid", [UIDS.ellen, UIDS.tom], ids=["current", "expired"])
def test_loss_kansenstatuut_ends_it(demo, uid):
    register_new_card(
        user=demo.user("ann"),
        uid=uid,
        reason="LOSS_KANSENSTATUUT",
        uitpas_number="0930000000107",
        balie_consumer_key=KEYS.bib_aalst,
    )
    membership = Membership.objects.get(passholder__uid=uid)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date) == (False, None)
    assert membership.current_card.uitpas_number == "0930000000107"


def test_extra_card_creates_the_membership_and_leaves_other_cards_active(demo):
    marc = demo.passholder(UIDS.marc)
    result = register_new_card(
        user=demo.user("ann"),
        uid=UIDS.marc,
        reason="EXTRA_CARD",
        uitpas_number="0930000000305",
        balie_consumer_key=KEYS.bib_aalst,
    )
    membership = Membership.objects.get(passholder=marc, card_system=demo.aalst)
    assert result.membership_created
    assert (membership.status, membership.kansenstatuut, membership.current_card.uitpas_number) == (
        "ACTIVE",
        False,
        "0930000000305",
    )
    assert demo.card("0945000000105").status == CardStatus.ACTIVE
    assert (
        Membership.objects.get(passholder=marc, card_system=demo.gent).current_card.uitpas_number
        == "0945000000105"
    )
    assert result.replaced_card is None


def test_extra_card_for_a_membership_without_a_card(demo):
    passholder = PassholderFactory()
    membership = MembershipFactory(passholder=passholder, card_system=demo.aalst)
    register_new_card(
        user=demo.user("ann"),
        uid=str(passholder.uid),
        reason="EXTRA_CARD",
        uitpas_number="0930000000305",
        balie_consumer_key=KEYS.bib_aalst,
    )
    membership.refresh_from_db()
    assert membership.current_card.uitpas_number == "0930000000305"
    assert Membership.objects.filter(passholder=passholder).count() == 1


def test_an_old_card_already_blocked_stays_blocked_without_a_second_history_row(demo):
    old = demo.card("0930056878802")
    old.status = CardStatus.BLOCKED
    old.save()
    result = register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="LOSS_THEFT",
        uitpas_number="0930000000206",
        balie_consumer_key=KEYS.bib_aalst,
    )
    assert demo.card("0930056878802").status == CardStatus.BLOCKED
    assert history_of(old) == []
    assert (result.replaced_card, result.replaced_card_blocked) == (old, False)


def test_the_voucher_is_redeemed_by_the_operation(demo):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="DEFECT",
        uitpas_number="0930000000206",
        voucher_number="1000001",
        balie_consumer_key=KEYS.bib_aalst,
    )
    voucher = Voucher.objects.get(number="1000001")
    assert voucher.redeemed_at is not None
    assert (voucher.redeemed_by.username, voucher.redeemed_balie, voucher.redeemed_card.uitpas_number) == (
        "ann",
        demo.bib_aalst,
        "0930000000206",
    )
    assert not Voucher.objects.get(number="1000002").is_redeemed


def test_a_clerk_at_one_balie_need_not_name_it(demo):
    register_new_card(user=demo.user("bert"), uid=UIDS.pieter, reason="DEFECT", uitpas_number="0930000000503")
    assert history_of(demo.card("0930000000503")) == [
        ("LOCAL_STOCK", "ACTIVE", "DEFECT", "bert", "CC De Werf")
    ]


def test_an_administrator_acting_without_balie_may_use_any_local_stock(demo):
    register_new_card(
        user=demo.user("ksb-aalst"), uid=UIDS.pieter, reason="DEFECT", uitpas_number="0930000000503"
    )
    assert history_of(demo.card("0930000000503")) == [("LOCAL_STOCK", "ACTIVE", "DEFECT", "ksb-aalst", None)]


def test_the_clerk_of_two_balies_acts_with_the_rights_of_one(demo, api_as):
    """ann works at the library (with rights) and at the drama club (without)."""
    refused = api_as("ann").post(
        "/uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": "DEFECT",
            "uitpasNumber": "0930000000206",
            "balieConsumerKey": KEYS.toneel,
        },
    )
    assert refused.status_code == 400 and b"<code>ACCESS_DENIED</code>" in refused.content
    accepted = api_as("ann").post(
        "/uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": "DEFECT",
            "uitpasNumber": "0930000000206",
            "balieConsumerKey": KEYS.bib_aalst,
        },
    )
    assert accepted.status_code == 200


def test_a_balie_with_the_right_in_another_card_system_only_is_refused(demo):
    """Rights are per card system: a balie of both systems, with rights in Gent only."""
    balie = BalieFactory(
        card_system=demo.gent, perms=[Perm.PASSHOLDER_CREATE], staff_members=[demo.user("greet")]
    )
    balie.card_systems.add(demo.aalst)
    card = CardFactory(card_system=demo.aalst, status=CardStatus.LOCAL_STOCK, balie=balie)
    with pytest.raises(UitpasError) as refused:
        register_new_card(
            user=demo.user("greet"),
            uid=UIDS.pieter,
            reason="DEFECT",
            uitpas_number=card.uitpas_number,
            balie_consumer_key=balie.consumer_key,
        )
    assert refused.value.code == "ACCESS_DENIED"

"""Rules of the reasons table that need more than the demo data as it is: the grace
period's last day, an end date given with another reason, a membership without a card
of its own, an old card a clerk blocked first, the Brussels calendar."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cardsystems.models import Card, CardHistory, CardStatus, Voucher
from passholders.models import Membership
from passholders.services import register_new_card
from tests.conftest import KEYS, UIDS, database_state
from tests.factories import MembershipFactory, PassholderFactory, UserFactory
from uitpas_site.errors import UitpasError

TODAY = timezone.localdate()
NEXT_YEAR_END = datetime.date(TODAY.year + 1, 12, 31)
REGULAR, KANSENPAS = "0930000000206", "0930000001113"  # in Bibliotheek Aalst's stock
# The replacing reasons besides LOSS_THEFT (which the error table's tests use), each
# with a card and parameters that fit it.
OTHER_REPLACEMENTS = [
    ("DEFECT", REGULAR, {}),
    ("CARD_UPGRADE", REGULAR, {}),
    ("LOSS_KANSENSTATUUT", REGULAR, {}),
    ("OBTAIN_KANSENSTATUUT", KANSENPAS, {"kansenstatuut_end_date": NEXT_YEAR_END.isoformat()}),
]


def new_card(uid, reason, number, *, user="ann", balie=KEYS.bib_aalst, **extra):
    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    return register_new_card(
        user=user, uid=uid, reason=reason, uitpas_number=number, balie_consumer_key=balie, **extra
    )


def refused(*args, **kwargs) -> str:
    """The code of a refused new card, after checking that it changed nothing."""
    before = database_state()
    with pytest.raises(UitpasError) as refusal:
        new_card(*args, **kwargs)
    assert database_state() == before
    return refusal.value.code


def kansenstatuut_of(uid, card_system_name="UiTPAS Regio Aalst"):
    membership = Membership.objects.get(passholder__uid=uid, card_system__name=card_system_name)
    return membership.kansenstatuut, membership.kansenstatuut_end_date


def give_pieter_a_kansenstatuut(end_date):
    Membership.objects.filter(passholder__uid=UIDS.pieter).update(
        kansenstatuut=True, kansenstatuut_end_date=end_date
    )


# Regio Aalst has 30 days of grace: a kansenstatuut that ended 30 days ago still counts
# today, one that ended 31 days ago does not.
@pytest.mark.parametrize(
    ("ended_days_ago", "counts"), [(0, True), (30, True), (31, False)], ids=["today", "30 days", "31 days"]
)
def test_the_grace_period_decides_which_card_fits_and_whether_one_may_obtain(demo, ended_days_ago, counts):
    give_pieter_a_kansenstatuut(TODAY - datetime.timedelta(days=ended_days_ago))
    assert refused(UIDS.pieter, "LOSS_THEFT", REGULAR if counts else KANSENPAS) == "INVALID_CARD"
    obtain = {"kansenstatuut_end_date": NEXT_YEAR_END.isoformat()}
    if counts:
        assert refused(UIDS.pieter, "OBTAIN_KANSENSTATUUT", KANSENPAS, **obtain) == "ACTION_FAILED"
        new_card(UIDS.pieter, "LOSS_THEFT", KANSENPAS)
    else:
        new_card(UIDS.pieter, "OBTAIN_KANSENSTATUUT", KANSENPAS, **obtain)
        assert kansenstatuut_of(UIDS.pieter) == (True, NEXT_YEAR_END)


def test_gent_has_no_grace_period(demo):
    Membership.objects.filter(passholder__uid=UIDS.marc).update(
        kansenstatuut=True, kansenstatuut_end_date=TODAY - datetime.timedelta(days=1)
    )
    gent = {"user": "greet", "balie": KEYS.bib_gent}
    assert refused(UIDS.marc, "DEFECT", "0945000001111", **gent) == "INVALID_CARD"  # a kansenpas
    new_card(UIDS.marc, "DEFECT", "0945000000204", **gent)


@pytest.mark.parametrize(
    ("uid", "reason", "number", "kept"),
    [
        (UIDS.ellen, "DEFECT", KANSENPAS, (True, datetime.date(TODAY.year, 12, 31))),
        (UIDS.pieter, "CARD_UPGRADE", REGULAR, (False, None)),
        (UIDS.tom, "LOSS_THEFT", REGULAR, (True, TODAY - datetime.timedelta(days=60))),
    ],
    ids=["current kansenstatuut", "none", "expired kansenstatuut"],
)
def test_an_end_date_with_another_reason_changes_no_kansenstatuut(demo, uid, reason, number, kept):
    new_card(uid, reason, number, kansenstatuut_end_date=NEXT_YEAR_END.isoformat())
    assert kansenstatuut_of(uid) == kept


def test_an_end_date_with_extra_card_gives_the_new_membership_no_kansenstatuut(demo):
    new_card(UIDS.marc, "EXTRA_CARD", REGULAR, kansenstatuut_end_date=NEXT_YEAR_END.isoformat())
    assert kansenstatuut_of(UIDS.marc) == (False, None)


def test_extra_card_in_a_new_membership_must_be_a_regular_card(demo):
    assert refused(UIDS.marc, "EXTRA_CARD", KANSENPAS) == "INVALID_CARD"


def test_extra_card_follows_the_kansenstatuut_of_a_membership_without_a_card(demo):
    member = PassholderFactory()
    MembershipFactory(
        passholder=member, card_system=demo.aalst, kansenstatuut=True, kansenstatuut_end_date=TODAY
    )
    uid = str(member.uid)
    assert refused(uid, "EXTRA_CARD", REGULAR) == "INVALID_CARD"
    new_card(uid, "EXTRA_CARD", KANSENPAS)
    assert Membership.objects.get(passholder=member).current_card.uitpas_number == KANSENPAS


def test_extra_card_when_the_current_card_was_blocked_first(demo):
    Card.objects.filter(uitpas_number="0930056878802").update(status=CardStatus.BLOCKED)
    history_before = CardHistory.objects.filter(card__uitpas_number="0930056878802").count()
    new_card(UIDS.pieter, "EXTRA_CARD", REGULAR)
    assert Membership.objects.get(passholder__uid=UIDS.pieter).current_card.uitpas_number == REGULAR
    assert demo.card("0930056878802").status == CardStatus.BLOCKED
    assert CardHistory.objects.filter(card__uitpas_number="0930056878802").count() == history_before


@pytest.mark.parametrize(("reason", "number", "extra"), OTHER_REPLACEMENTS)
def test_no_reason_gives_a_new_card_in_a_blocked_membership(demo, reason, number, extra):
    assert refused(UIDS.sofie, reason, number, **extra) == "ACTION_FAILED"


def test_no_extra_card_in_a_blocked_membership_either(demo):
    Card.objects.filter(uitpas_number="0930000004000").update(status=CardStatus.BLOCKED)
    assert refused(UIDS.sofie, "EXTRA_CARD", REGULAR) == "ACTION_FAILED"


@pytest.mark.parametrize(("reason", "number", "extra"), OTHER_REPLACEMENTS)
def test_no_replacement_without_a_membership(demo, reason, number, extra):
    assert refused(UIDS.marc, reason, number, **extra) == "INVALID_CARD"


def test_an_administrator_without_balie_redeems_the_voucher(demo):
    new_card(UIDS.pieter, "DEFECT", "0930000000503", user="ksb-aalst", balie=None, voucher_number="1000001")
    voucher = Voucher.objects.get(number="1000001")
    assert voucher.redeemed_at is not None
    assert (voucher.redeemed_by.username, voucher.redeemed_balie, voucher.redeemed_card.uitpas_number) == (
        "ksb-aalst",
        None,
        "0930000000503",
    )


def test_someone_at_no_balie_who_administers_nothing_must_name_a_balie(demo):
    assert (
        refused(UIDS.pieter, "DEFECT", REGULAR, user=UserFactory(), balie=None) == "MISSING_REQUIRED_FIELDS"
    )


def test_the_date_limits_follow_the_brussels_calendar(demo, monkeypatch):
    # 23:30 on 31 December in UTC is already New Year's Day in Brussels.
    new_years_eve = datetime.datetime(TODAY.year, 12, 31, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: new_years_eve)
    last_year_end = datetime.date(TODAY.year, 12, 31)
    end_of_next_year = datetime.date(TODAY.year + 2, 12, 31)
    code = refused(UIDS.pieter, "DEFECT", REGULAR, kansenstatuut_end_date=last_year_end.isoformat())
    assert code == "INVALID_DATE_CONSTRAINTS"
    new_card(UIDS.pieter, "DEFECT", REGULAR, kansenstatuut_end_date=end_of_next_year.isoformat())

"""The kansenstatuut rule is written twice, for good reasons: in Python
(``Membership.kansenstatuut_counts``, what newCard decides on one membership) and as a
database condition (``kansenstatuut_counts_condition``, what the lists filter a million
memberships by). They must agree on every day, the boundary days above all: the end
date, the last day of the grace period, the day after it; with a grace period of 0 days
and of 30 (Gent and Regio Aalst in the demo data) and one of 1 day."""

import datetime

import pytest
from django.utils import timezone

from cardsystems.models import CardSystem
from passholders.models import Membership, Passholder
from passholders.selectors import kansenstatuut_counts_condition

TODAY = timezone.localdate()


@pytest.fixture
def memberships(demo):
    """Memberships whose kansenstatuut ends around today, in card systems with grace
    periods of 30, 0 and 1 days; and some without kansenstatuut."""
    one_day = CardSystem.objects.create(
        name="Eén dag respijt", number_prefix="09880", kansenstatuut_grace_days=1
    )
    card_systems = [demo.aalst, demo.gent, one_day]
    created = []
    for offset in range(-35, 3):
        end = TODAY + datetime.timedelta(days=offset)
        holder = Passholder.objects.create(first_name="Grens", name=f"Dag {offset}")
        for card_system in card_systems:
            created.append(
                Membership.objects.create(
                    passholder=holder,
                    card_system=card_system,
                    kansenstatuut=offset % 7 != 3,
                    kansenstatuut_end_date=end if offset % 7 != 3 else None,
                )
            )
    return created


@pytest.mark.parametrize("day_offset", [-1, 0, 1, 30, 31])
def test_python_and_the_database_agree_on_every_boundary_day(memberships, day_offset):
    today = TODAY + datetime.timedelta(days=day_offset)
    counted_by_the_database = set(
        Membership.objects.filter(kansenstatuut_counts_condition(today)).values_list("pk", flat=True)
    )
    counted_by_python = {
        membership.pk
        for membership in Membership.objects.select_related("card_system")
        if membership.kansenstatuut_counts(today)
    }
    assert counted_by_the_database == counted_by_python
    # Not vacuous: both sides of every boundary are there.
    assert counted_by_python
    assert set(Membership.objects.values_list("pk", flat=True)) - counted_by_python


def test_the_boundaries_are_where_the_rule_says(memberships):
    """The end date plus the grace period still counts; the day after does not."""
    aalst_grace = CardSystem.objects.get(name="UiTPAS Regio Aalst").kansenstatuut_grace_days
    last_day = TODAY
    ends_on = last_day - datetime.timedelta(days=aalst_grace)
    membership = Membership.objects.get(
        card_system__name="UiTPAS Regio Aalst", kansenstatuut_end_date=ends_on, passholder__first_name="Grens"
    )
    assert membership.kansenstatuut_counts(last_day)
    assert not membership.kansenstatuut_counts(last_day + datetime.timedelta(days=1))
    condition = kansenstatuut_counts_condition(last_day + datetime.timedelta(days=1))
    assert not Membership.objects.filter(condition, pk=membership.pk).exists()

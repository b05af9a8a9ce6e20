"""W3C dates: every W3CDate parameter takes the forms of the W3C date-time profile, and
the calendar date as written is the date meant (docs/domain.md, "W3C dates")."""

import datetime

import pytest
from django.utils import timezone

from cardsystems.models import CardHistory
from passholders.models import Membership
from tests.conftest import KEYS, UIDS, error_code
from uitpas_site.w3c_dates import parse_w3c_date

NEXT_YEAR = timezone.localdate().year + 1


@pytest.mark.parametrize(
    "written, meant",
    [
        ("2027-06-30", datetime.date(2027, 6, 30)),
        ("2027-06-30T00:00:00+02:00", datetime.date(2027, 6, 30)),  # the PHP client's date('c')
        ("2027-06-30T00:30:00+02:00", datetime.date(2027, 6, 30)),  # 29 June in UTC: not converted
        ("2027-06-30T23:59:59-11:00", datetime.date(2027, 6, 30)),  # 1 July in UTC: not converted
        ("2027-06-30T12:00Z", datetime.date(2027, 6, 30)),
        ("2027-06-30T12:00:00.5Z", datetime.date(2027, 6, 30)),
        ("2027-06-30T12:00:00.123456+01:00", datetime.date(2027, 6, 30)),
        ("2027-12-31T23:59:59+01:00", datetime.date(2027, 12, 31)),
        ("2028-02-29", datetime.date(2028, 2, 29)),
        # A form body decodes an unencoded "+" as a space.
        ("2027-06-30T00:00:00 02:00", datetime.date(2027, 6, 30)),
    ],
)
def test_the_w3c_forms_give_the_date_as_written(written, meant):
    assert parse_w3c_date(written) == meant


@pytest.mark.parametrize(
    "written",
    [
        "2027-06",
        "2027",
        "30/06/2027",
        "2027/06/30",
        "20270630",
        "2027-02-30",
        "2027-13-01",
        "2027-06-30T",
        "2027-06-30T00:00:00",  # a time needs its zone
        "2027-06-30T24:00:00Z",
        "2027-06-30T12:60Z",
        "2027-06-30T12:00:61Z",
        "2027-06-30T12:00:00+2:00",
        "2027-06-30T12:00:00+24:00",
        "2027-06-30T12:00:00+0200",
        "2027-06-30 12:00:00+02:00",
        "2027-06-30T12Z",
        "2027-06-30T12:00:00.Z",
        "٢٠٢٧-٠٦-٣٠",
        "",
    ],
)
def test_anything_else_is_no_date(written):
    assert parse_w3c_date(written) is None


def obtain(api_as, end_date: str):
    return api_as("ann").post(
        "/uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": "OBTAIN_KANSENSTATUUT",
            "uitpasNumber": "0930000001113",
            "balieConsumerKey": KEYS.bib_aalst,
            "kansenStatuutEndDate": end_date,
        },
    )


@pytest.mark.parametrize(
    "written",
    [f"{NEXT_YEAR}-06-30", f"{NEXT_YEAR}-06-30T00:00:00+02:00", f"{NEXT_YEAR}-06-30T00:30:00+02:00"],
)
def test_new_card_grants_the_kansenstatuut_until_the_date_as_written(demo, api_as, written):
    response = obtain(api_as, written)
    assert response.status_code == 200, response.content
    membership = Membership.objects.get(passholder__uid=UIDS.pieter)
    assert membership.kansenstatuut_end_date == datetime.date(NEXT_YEAR, 6, 30)


@pytest.mark.parametrize(
    "written", [f"{NEXT_YEAR}-06", "30/06/2027", f"{NEXT_YEAR}-02-30", f"{NEXT_YEAR}-06-30T00:00"]
)
def test_new_card_refuses_other_notations(demo, api_as, written):
    assert error_code(obtain(api_as, written)) == "PARSE_INVALID_DATE"


def test_the_latest_end_date_is_the_last_day_of_next_year_whatever_its_offset(demo, api_as):
    assert obtain(api_as, f"{NEXT_YEAR}-12-31T23:59:59-12:00").status_code == 200


def test_one_day_after_the_latest_end_date_is_refused(demo, api_as):
    assert error_code(obtain(api_as, f"{NEXT_YEAR + 1}-01-01T00:00:00+14:00")) == "INVALID_DATE_CONSTRAINTS"


def test_removal_the_earlier_spelling_of_defect_is_recorded_as_defect(demo, api_as):
    response = api_as("ann").post(
        "/uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": "REMOVAL",
            "uitpasNumber": "0930000000206",
            "balieConsumerKey": KEYS.bib_aalst,
        },
    )
    assert response.status_code == 200, response.content
    reasons = set(
        CardHistory.objects.filter(card__uitpas_number__in=["0930000000206", "0930056878802"])
        .exclude(reason=CardHistory.Reason.CREATED)
        .values_list("reason", flat=True)
    )
    assert reasons == {"DEFECT"}


@pytest.mark.parametrize("reason", ["removal", "Removal", "REMOVAL "])
def test_only_the_exact_spelling_removal_is_an_alias(demo, api_as, reason):
    response = api_as("ann").post(
        "/uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": reason,
            "uitpasNumber": "0930000000206",
            "balieConsumerKey": KEYS.bib_aalst,
        },
    )
    expected = 200 if reason.strip() == "REMOVAL" else 400
    assert response.status_code == expected

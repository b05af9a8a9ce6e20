"""The error table of newCard (docs/domain.md), through the XML API, on the demo data.

Every row of the table is reached, and wherever two checks fail at once the earlier row
of the table decides the code. A refused request changes nothing.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from cardsystems.uitpas_numbers import luhn_check_digit, make_uitpas_number
from tests.conftest import KEYS, UIDS, database_state, error_code, xml_of

NEW_CARD = "/uitpas/passholder/newCard"
TODAY = timezone.localdate()
NEXT_YEAR_END = datetime.date(TODAY.year + 1, 12, 31)

# A request that succeeds: ann, for Bibliotheek Aalst, gives Pieter (regular card, no
# kansenstatuut) a regular card from that balie's stock.
VALID = {
    "uid": UIDS.pieter,
    "reason": "LOSS_THEFT",
    "uitpasNumber": "0930000000206",
    "balieConsumerKey": KEYS.bib_aalst,
}
UNKNOWN_NUMBER = make_uitpas_number(prefix="09300", serial=999999, kansenpas=False)
TWELFTH_DIGIT_TWO = "093000000012" + luhn_check_digit("093000000012")
UNKNOWN_UID = "00000000-0000-4000-8000-000000000000"


@dataclass
class Case:
    code: str
    changes: dict = field(default_factory=dict)  # None removes a parameter
    user: str = "ann"


def request_for(case: Case) -> dict:
    params = {**VALID, **case.changes}
    return {name: value for name, value in params.items() if value is not None}


ROWS = {
    # 1. MISSING_REQUIRED_FIELDS
    "uid missing": Case("MISSING_REQUIRED_FIELDS", {"uid": None}),
    "uid blank": Case("MISSING_REQUIRED_FIELDS", {"uid": "  "}),
    "reason missing": Case("MISSING_REQUIRED_FIELDS", {"reason": None}),
    "reason blank": Case("MISSING_REQUIRED_FIELDS", {"reason": ""}),
    "uitpasNumber missing": Case("MISSING_REQUIRED_FIELDS", {"uitpasNumber": None}),
    "uitpasNumber blank": Case("MISSING_REQUIRED_FIELDS", {"uitpasNumber": " "}),
    "OBTAIN without end date": Case(
        "MISSING_REQUIRED_FIELDS",
        {"reason": "OBTAIN_KANSENSTATUUT", "uitpasNumber": "0930000001113"},
    ),
    "no balie, works at two": Case("MISSING_REQUIRED_FIELDS", {"balieConsumerKey": None}),
    "blank balie, works at two": Case("MISSING_REQUIRED_FIELDS", {"balieConsumerKey": ""}),
    # 2. INVALID_PARAMETERS
    "unknown reason": Case("INVALID_PARAMETERS", {"reason": "LOST"}),
    "reason in lower case": Case("INVALID_PARAMETERS", {"reason": "loss_theft"}),
    # 3. PARSE_INVALID_UITPASNUMBER
    "wrong check digit": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "0930000000208"}),
    "12th digit 2": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": TWELFTH_DIGIT_TWO}),
    "12 digits": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "093000000020"}),
    "14 digits": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "09300000002066"}),
    "not starting with 0": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "1930000000206"}),
    "letters": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "O930000000206"}),
    "arabic-indic digits": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "٠930000000206"}),
    "space inside": Case("PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "093000 0000206"}),
    # 4. PARSE_INVALID_VOUCHERNUMBER
    "voucher with a letter": Case("PARSE_INVALID_VOUCHERNUMBER", {"voucherNumber": "10000a1"}),
    "negative voucher": Case("PARSE_INVALID_VOUCHERNUMBER", {"voucherNumber": "-1000001"}),
    # 5. PARSE_INVALID_DATE
    "month 13": Case("PARSE_INVALID_DATE", {"kansenStatuutEndDate": f"{TODAY.year}-13-01"}),
    "30 February": Case("PARSE_INVALID_DATE", {"kansenStatuutEndDate": f"{TODAY.year + 1}-02-30"}),
    "Belgian notation": Case("PARSE_INVALID_DATE", {"kansenStatuutEndDate": f"31/12/{TODAY.year}"}),
    "a word": Case("PARSE_INVALID_DATE", {"kansenStatuutEndDate": "tomorrow"}),
    # 6. INVALID_DATE_CONSTRAINTS
    "yesterday": Case(
        "INVALID_DATE_CONSTRAINTS",
        {"kansenStatuutEndDate": (TODAY - datetime.timedelta(days=1)).isoformat()},
    ),
    "after 31/12 of next year": Case(
        "INVALID_DATE_CONSTRAINTS",
        {"kansenStatuutEndDate": (NEXT_YEAR_END + datetime.timedelta(days=1)).isoformat()},
    ),
    # 7. UNKNOWN_BALIE_CONSUMERKEY
    "unknown consumer key": Case("UNKNOWN_BALIE_CONSUMERKEY", {"balieConsumerKey": "NO-SUCH-KEY"}),
    # 8. ACCESS_DENIED: not working at that balie
    "bert acting for Bibliotheek Aalst": Case("ACCESS_DENIED", user="bert"),
    # 9. UNKNOWN_CARD
    "unknown card": Case("UNKNOWN_CARD", {"uitpasNumber": UNKNOWN_NUMBER}),
    # 10. ACCESS_DENIED: the acting balie lacks the right in the card's card system
    "ann acting for the drama club": Case("ACCESS_DENIED", {"balieConsumerKey": KEYS.toneel}),
    "Gent balie, Aalst card": Case("ACCESS_DENIED", {"balieConsumerKey": KEYS.bib_gent}, "greet"),
    "Aalst administrator, Gent card": Case(
        "ACCESS_DENIED",
        {"uid": UIDS.marc, "uitpasNumber": "0945000000204", "balieConsumerKey": None},
        "ksb-aalst",
    ),
    # 11. UNKNOWN_PASSHOLDER_UID
    "unknown uid": Case("UNKNOWN_PASSHOLDER_UID", {"uid": UNKNOWN_UID}),
    "malformed uid": Case("UNKNOWN_PASSHOLDER_UID", {"uid": "not-a-uid"}),
    # 12. UNKNOWN_VOUCHER
    "unknown voucher": Case("UNKNOWN_VOUCHER", {"voucherNumber": "1009999"}),
    "voucher of another card system": Case("UNKNOWN_VOUCHER", {"voucherNumber": "2000001"}),
    # 13. INVALID_CARD_STATUS
    "card sent, not arrived": Case("INVALID_CARD_STATUS", {"uitpasNumber": "0930000000701"}),
    "card in central stock": Case("INVALID_CARD_STATUS", {"uitpasNumber": "0930000000800"}),
    "card provisioned": Case("INVALID_CARD_STATUS", {"uitpasNumber": "0930000000909"}),
    "card blocked": Case("INVALID_CARD_STATUS", {"uitpasNumber": "0930000002004"}),
    "card active": Case("INVALID_CARD_STATUS", {"uitpasNumber": "0930000001410"}),
    # 14. INVALID_CARD
    "another balie's stock": Case("INVALID_CARD", {"uitpasNumber": "0930000000503"}),
    "kansenpas without kansenstatuut": Case("INVALID_CARD", {"uitpasNumber": "0930000001113"}),
    "regular card with kansenstatuut": Case("INVALID_CARD", {"uid": UIDS.ellen}),
    "kansenpas after grace period": Case(
        "INVALID_CARD", {"uid": UIDS.tom, "uitpasNumber": "0930000001212", "reason": "DEFECT"}
    ),
    "OBTAIN with a regular card": Case(
        "INVALID_CARD",
        {"reason": "OBTAIN_KANSENSTATUUT", "kansenStatuutEndDate": NEXT_YEAR_END.isoformat()},
    ),
    "LOSS_KANSENSTATUUT with a kansenpas": Case(
        "INVALID_CARD",
        {"uid": UIDS.ellen, "reason": "LOSS_KANSENSTATUUT", "uitpasNumber": "0930000001113"},
    ),
    "replacement without membership": Case("INVALID_CARD", {"uid": UIDS.marc}),
    "EXTRA_CARD with an active card": Case("INVALID_CARD", {"reason": "EXTRA_CARD"}),
    # 15. INVALID_VOUCHER_STATUS
    "redeemed voucher": Case("INVALID_VOUCHER_STATUS", {"voucherNumber": "1000003"}),
    # 16. ACTION_FAILED
    "blocked membership": Case("ACTION_FAILED", {"uid": UIDS.sofie}),
    "LOSS_KANSENSTATUUT without one": Case("ACTION_FAILED", {"reason": "LOSS_KANSENSTATUUT"}),
    "OBTAIN while one counts": Case(
        "ACTION_FAILED",
        {
            "uid": UIDS.ellen,
            "reason": "OBTAIN_KANSENSTATUUT",
            "uitpasNumber": "0930000001113",
            "kansenStatuutEndDate": NEXT_YEAR_END.isoformat(),
        },
    ),
}

# Two checks fail at once: the one earlier in the table decides.
ORDER = {
    "missing beats invalid reason": Case("MISSING_REQUIRED_FIELDS", {"uid": None, "reason": "X"}),
    "underivable balie beats invalid reason": Case(
        "MISSING_REQUIRED_FIELDS", {"balieConsumerKey": None, "reason": "X"}
    ),
    "invalid reason beats bad number": Case("INVALID_PARAMETERS", {"reason": "X", "uitpasNumber": "1"}),
    "bad number beats bad voucher": Case(
        "PARSE_INVALID_UITPASNUMBER", {"uitpasNumber": "1", "voucherNumber": "x"}
    ),
    "bad voucher beats bad date": Case(
        "PARSE_INVALID_VOUCHERNUMBER", {"voucherNumber": "x", "kansenStatuutEndDate": "x"}
    ),
    "bad date beats unknown balie": Case(
        "PARSE_INVALID_DATE", {"kansenStatuutEndDate": "x", "balieConsumerKey": "NOPE"}
    ),
    "date out of range beats unknown balie": Case(
        "INVALID_DATE_CONSTRAINTS", {"kansenStatuutEndDate": "2000-01-01", "balieConsumerKey": "NOPE"}
    ),
    "date checked for other reasons too": Case(
        "INVALID_DATE_CONSTRAINTS", {"reason": "DEFECT", "kansenStatuutEndDate": "2000-01-01"}
    ),
    "unknown balie beats unknown card": Case(
        "UNKNOWN_BALIE_CONSUMERKEY", {"balieConsumerKey": "NOPE", "uitpasNumber": UNKNOWN_NUMBER}
    ),
    "foreign balie beats unknown card": Case("ACCESS_DENIED", {"uitpasNumber": UNKNOWN_NUMBER}, "bert"),
    "unknown card beats no right": Case(
        "UNKNOWN_CARD", {"balieConsumerKey": KEYS.toneel, "uitpasNumber": UNKNOWN_NUMBER}
    ),
    "unknown card beats unknown uid": Case(
        "UNKNOWN_CARD", {"uitpasNumber": UNKNOWN_NUMBER, "uid": UNKNOWN_UID}
    ),
    "no right beats unknown uid": Case(
        "ACCESS_DENIED", {"balieConsumerKey": KEYS.toneel, "uid": UNKNOWN_UID}
    ),
    "unknown uid beats unknown voucher": Case(
        "UNKNOWN_PASSHOLDER_UID", {"uid": UNKNOWN_UID, "voucherNumber": "1009999"}
    ),
    "unknown voucher beats card status": Case(
        "UNKNOWN_VOUCHER", {"voucherNumber": "1009999", "uitpasNumber": "0930000000800"}
    ),
    "card status beats no membership": Case(
        "INVALID_CARD_STATUS", {"uitpasNumber": "0930000000800", "uid": UIDS.marc}
    ),
    "card status beats another balie's card": Case(
        "INVALID_CARD_STATUS", {"uitpasNumber": "0930000000701", "balieConsumerKey": KEYS.de_werf}, "bert"
    ),
    "invalid card beats redeemed voucher": Case(
        "INVALID_CARD", {"uitpasNumber": "0930000001113", "voucherNumber": "1000003"}
    ),
    "redeemed voucher beats blocked membership": Case(
        "INVALID_VOUCHER_STATUS", {"uid": UIDS.sofie, "voucherNumber": "1000003"}
    ),
}


def test_the_valid_request_of_these_tables_succeeds(demo, api_as):
    response = api_as("ann").post(NEW_CARD, VALID)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("case", ROWS.values(), ids=ROWS.keys())
def test_each_row_of_the_error_table(demo, api_as, case):
    before = database_state()
    response = api_as(case.user).post(NEW_CARD, request_for(case))
    assert (response.status_code, error_code(response)) == (400, case.code), response.content
    assert database_state() == before


@pytest.mark.parametrize("case", ORDER.values(), ids=ORDER.keys())
def test_the_first_failing_check_decides(demo, api_as, case):
    response = api_as(case.user).post(NEW_CARD, request_for(case))
    assert (response.status_code, error_code(response)) == (400, case.code), response.content


@pytest.mark.parametrize(
    "case",
    [
        ROWS["bert acting for Bibliotheek Aalst"],
        ROWS["ann acting for the drama club"],
        ROWS["Aalst administrator, Gent card"],
    ],
    ids=["not working there", "balie without the right", "administrator without the right"],
)
def test_access_denied_names_the_required_permission(demo, api_as, case):
    body = xml_of(api_as(case.user).post(NEW_CARD, request_for(case)))
    assert body.findtext("requiredPermission") == "PERMISSION_PASSHOLDER - ACTION_CREATE"


def test_other_errors_carry_no_required_permission(demo, api_as):
    body = xml_of(api_as("ann").post(NEW_CARD, request_for(ROWS["unknown card"])))
    assert body.find("requiredPermission") is None
    assert body.findtext("message")


@pytest.mark.parametrize("end_date", [TODAY, NEXT_YEAR_END], ids=["today", "31/12 next year"])
def test_end_date_limits_are_inclusive(demo, api_as, end_date):
    response = api_as("ann").post(
        NEW_CARD, {**VALID, "reason": "DEFECT", "kansenStatuutEndDate": end_date.isoformat()}
    )
    assert response.status_code == 200, response.content


def test_values_are_taken_without_surrounding_spaces(demo, api_as):
    response = api_as("ann").post(NEW_CARD, {name: f"  {value} " for name, value in VALID.items()})
    assert response.status_code == 200, response.content


def test_a_balie_without_the_right_learns_nothing_about_the_passholder(demo, api_as):
    client = api_as("ann")
    known = client.post(NEW_CARD, {**VALID, "balieConsumerKey": KEYS.toneel})
    unknown = client.post(NEW_CARD, {**VALID, "balieConsumerKey": KEYS.toneel, "uid": UNKNOWN_UID})
    assert error_code(known) == "ACCESS_DENIED"
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)

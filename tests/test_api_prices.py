"""The v3 price endpoints: ``GET /uitpas/price`` (the price of one registration) and
``GET /uitpas/passholder/uitpasPrice`` (the price lists), in the v3 XML shapes, read as
the v3 PHP client reads them, through both authentications and under both prefixes."""

import datetime
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cardsystems.models import UitpasPrice
from tests.conftest import KEYS, error_code, xml_of
from tests.oauth_signing import ANN_AALST, BIB_AALST_CONSUMER, oauthlib_request, php_client_request
from tests.v3_client import ClientCrash, read_error, read_price, read_prices

PRICE = "/uitpas/price"
PRICES = "/uitpas/passholder/uitpasPrice"
# The "done when": a regular card in Bibliotheek Aalst's stock, lost or stolen.
DONE_WHEN = {"uitpasNumber": "0930000000305", "reason": "LOSS_THEFT", "balieConsumerKey": KEYS.bib_aalst}
# A UiTPAS number of Regio Aalst that no card has.
UNKNOWN_NUMBER = "0930000999902"
# The order of the elements of the v3 UitpasPrice entity.
ENTITY_ORDER = [
    "id",
    "reason",
    "cardType",
    "voucherType",
    "ageRange",
    "kansenstatuut",
    "useWhenAgeUnknown",
    "price",
    "cardSystem",
]


def tree(element: ElementTree.Element) -> list:
    """An element's children, element by element: (tag, text or children)."""
    return [(child.tag, tree(child) if len(child) else child.text) for child in element]


def years_ago(years: int) -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - years).isoformat()


def test_done_when_ann_asks_the_price_of_a_lost_card(demo, api_as):
    response = api_as("ann").get(PRICE, DONE_WHEN)
    assert response.status_code == 200, response.content
    price = read_price(response.content)
    assert (price.reason, price.card_type, price.kansenstatuut, price.price) == (
        "LOSS_THEFT",
        "CARD",
        False,
        5.0,
    )
    assert xml_of(response).findtext("uitpasPrice/price") == "5.00"

    with_voucher = api_as("ann").get(PRICE, {**DONE_WHEN, "voucherNumber": "1000001"})
    price = read_price(with_voucher.content)
    assert (price.price, price.voucher_type.name, price.voucher_type.prefix) == (0.0, "Gratis UiTPAS", "100")
    assert xml_of(with_voucher).findtext("uitpasPrice/price") == "0.00"


def test_the_price_as_the_documented_example(demo, api_as):
    """v3's example: a first card for someone of 16 (the documentation was written with a
    date of birth in 2010): the row for up to 17, element by element."""
    response = api_as("ann").get(
        PRICE,
        {
            "balieConsumerKey": KEYS.bib_aalst,
            "uitpasNumber": "0930000000107",
            "dateOfBirth": years_ago(16),
            "reason": "FIRST_CARD",
        },
    )
    root = xml_of(response)
    assert root.tag == "response"
    row = UitpasPrice.objects.get(card_system=demo.aalst, reason="FIRST_CARD", kansenstatuut=False, age_to=17)
    assert tree(root) == [
        (
            "uitpasPrice",
            [
                ("id", str(row.pk)),
                ("reason", "FIRST_CARD"),
                ("cardType", "CARD"),
                ("ageRange", [("ageTo", "17")]),
                ("kansenstatuut", "false"),
                ("price", "2.00"),
                ("cardSystem", [("id", str(demo.aalst.pk)), ("name", "UiTPAS Regio Aalst")]),
            ],
        )
    ]


def test_no_price_set_is_price_0_without_an_id(demo, api_as):
    """A regular card for OBTAIN_KANSENSTATUUT: no row of the demo fits."""
    response = api_as("ann").get(PRICE, {**DONE_WHEN, "reason": "OBTAIN_KANSENSTATUUT"})
    assert tree(xml_of(response)) == [
        (
            "uitpasPrice",
            [
                ("reason", "OBTAIN_KANSENSTATUUT"),
                ("cardType", "CARD"),
                ("kansenstatuut", "false"),
                ("price", "0.00"),
                ("cardSystem", [("id", str(demo.aalst.pk)), ("name", "UiTPAS Regio Aalst")]),
            ],
        )
    ]
    price = read_price(response.content)
    assert (price.id, price.price, price.card_system.name) == (None, 0.0, "UiTPAS Regio Aalst")


def test_the_row_for_an_unknown_age_says_so(demo, api_as):
    response = api_as("ann").get(PRICE, {**DONE_WHEN, "reason": "FIRST_CARD"})
    assert [child.tag for child in xml_of(response).find("uitpasPrice")] == [
        "id",
        "reason",
        "cardType",
        "ageRange",
        "kansenstatuut",
        "useWhenAgeUnknown",
        "price",
        "cardSystem",
    ]
    assert xml_of(response).findtext("uitpasPrice/ageRange/ageFrom") == "18"
    assert xml_of(response).findtext("uitpasPrice/useWhenAgeUnknown") == "true"
    assert read_price(response.content).age_from == 18


@pytest.mark.parametrize(
    "date_of_birth, price",
    [(17, "2.00"), (18, "5.00")],
    ids=["17", "18 today"],
)
def test_the_age_counts_on_the_birthday(demo, api_as, date_of_birth, price):
    response = api_as("ann").get(
        PRICE, {**DONE_WHEN, "reason": "EXTRA_CARD", "dateOfBirth": years_ago(date_of_birth)}
    )
    assert xml_of(response).findtext("uitpasPrice/price") == price


def test_a_date_of_birth_as_the_php_client_writes_it(demo, api_as):
    """A W3C date-time: its calendar date counts."""
    born = timezone.localdate().replace(year=timezone.localdate().year - 10)
    moment = datetime.datetime.combine(
        born, datetime.time(0, 30), tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    response = api_as("ann").get(
        PRICE, {**DONE_WHEN, "reason": "FIRST_CARD", "dateOfBirth": moment.isoformat()}
    )
    assert xml_of(response).findtext("uitpasPrice/price") == "2.00"


def test_a_kansenpas_and_the_earlier_spelling_of_defect(demo, api_as):
    response = api_as("ann").get(PRICE, {**DONE_WHEN, "uitpasNumber": "0930000001113", "reason": "REMOVAL"})
    price = read_price(response.content)
    assert (price.reason, price.kansenstatuut, price.price) == ("DEFECT", True, 1.0)


def test_gent(demo, api_as):
    ask = {"uitpasNumber": "0945000000204", "reason": "FIRST_CARD"}
    assert read_price(api_as("greet").get(PRICE, ask).content).price == 7.0
    with_voucher = api_as("greet").get(PRICE, {**ask, "voucherNumber": "2000001"})
    assert read_price(with_voucher.content).price == 0.0


def test_an_administrator_without_a_balie_asks_about_any_card_of_the_card_system(demo, api_as):
    # A card in CC De Werf's stock: an administrator acts for no balie.
    response = api_as("ksb-aalst").get(PRICE, {"uitpasNumber": "0930000000503", "reason": "DEFECT"})
    assert read_price(response.content).price == 5.0


# --- Errors, in the order they are checked ------------------------------------------------

ERRORS = {
    # Each request fails two checks; the earlier one decides the code.
    "no uitpasNumber": (
        "ann",
        {"reason": "BOGUS", "balieConsumerKey": KEYS.bib_aalst},
        "MISSING_REQUIRED_FIELDS",
    ),
    "no reason": (
        "ann",
        {"uitpasNumber": "123", "balieConsumerKey": KEYS.bib_aalst},
        "MISSING_REQUIRED_FIELDS",
    ),
    "no balie, two balies": ("ann", {"uitpasNumber": "123", "reason": "BOGUS"}, "MISSING_REQUIRED_FIELDS"),
    "a reason with spaces around it": (
        "ann",
        {**DONE_WHEN, "reason": "LOSS_THEFT ", "uitpasNumber": "123"},
        "PARSE_INVALID_UITPASNUMBER",
    ),
    "a reason outside the list": (
        "ann",
        {**DONE_WHEN, "reason": "loss_theft", "uitpasNumber": "123"},
        "PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON",
    ),
    "bad number": (
        "ann",
        {**DONE_WHEN, "uitpasNumber": "0930000000306", "voucherNumber": "x"},
        "PARSE_INVALID_UITPASNUMBER",
    ),
    "bad voucher number": (
        "ann",
        {**DONE_WHEN, "voucherNumber": "10 01", "dateOfBirth": "2010-02-30"},
        "PARSE_INVALID_VOUCHERNUMBER",
    ),
    "bad date": (
        "ann",
        {**DONE_WHEN, "dateOfBirth": "01/01/2010", "balieConsumerKey": "nope"},
        "PARSE_INVALID_DATE",
    ),
    "born tomorrow": (
        "ann",
        {**DONE_WHEN, "dateOfBirth": years_ago(-1), "balieConsumerKey": "nope"},
        "INVALID_DATE_CONSTRAINTS",
    ),
    "unknown balie": (
        "ann",
        {**DONE_WHEN, "balieConsumerKey": "nope", "uitpasNumber": UNKNOWN_NUMBER},
        "UNKNOWN_BALIE_CONSUMERKEY",
    ),
    "a balie one does not work at": (
        "bert",
        {**DONE_WHEN, "uitpasNumber": UNKNOWN_NUMBER},
        "ACCESS_DENIED",
    ),
    "unknown card": (
        "ann",
        {**DONE_WHEN, "uitpasNumber": UNKNOWN_NUMBER, "voucherNumber": "9"},
        "UNKNOWN_CARD",
    ),
    "a balie without the right": (
        "ann",
        {**DONE_WHEN, "balieConsumerKey": KEYS.toneel, "voucherNumber": "9"},
        "ACCESS_DENIED",
    ),
    "an administrator of another card system": (
        "ksb-aalst",
        {"uitpasNumber": "0945000000204", "reason": "DEFECT", "voucherNumber": "9"},
        "ACCESS_DENIED",
    ),
    "unknown voucher": (
        "ann",
        {**DONE_WHEN, "uitpasNumber": "0930000000503", "voucherNumber": "9"},
        "UNKNOWN_VOUCHER",
    ),
    "a voucher of another card system": ("ann", {**DONE_WHEN, "voucherNumber": "2000001"}, "UNKNOWN_VOUCHER"),
    "another balie's card": (
        "ann",
        {**DONE_WHEN, "uitpasNumber": "0930000000503", "voucherNumber": "1000003"},
        "BALIE_NOT_AUTHORIZED",
    ),
    "a card handed out already": (
        "ann",
        {**DONE_WHEN, "uitpasNumber": "0930056878802"},
        "BALIE_NOT_AUTHORIZED",
    ),
    "redeemed voucher": ("ann", {**DONE_WHEN, "voucherNumber": "1000003"}, "INVALID_VOUCHER_STATUS"),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_errors_in_the_order_they_are_checked(demo, api_as, case):
    username, params, code = case
    response = api_as(username).get(PRICE, params)
    assert (response.status_code, error_code(response)) == (400, code), response.content
    assert read_error(response.content)[0] == code


def test_access_denied_names_the_right_it_needs(demo, api_as):
    response = api_as("ann").get(PRICE, {**DONE_WHEN, "balieConsumerKey": KEYS.toneel})
    assert read_error(response.content)[2] == "PERMISSION_PASSHOLDER - ACTION_CREATE"


def test_the_price_costs_at_most_six_queries_authentication_included(demo, api_as, client):
    """With a voucher: the token (1) or the OAuth token, its nonce and its last use (3);
    the balie; the card with the balie's right and the voucher; the price rows."""
    api = api_as("ann")
    api.get(PRICE, DONE_WHEN)  # the content types and the catalogue, read once per process
    with CaptureQueriesContext(connection) as token_queries:
        response = api.get(PRICE, {**DONE_WHEN, "voucherNumber": "1000001"})
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as oauth_queries:
        signed = oauthlib_request(
            "GET",
            "http://testserver/uitid/rest/uitpas/price?uitpasNumber=0930000000305&reason=LOSS_THEFT&voucherNumber=1000001",
            consumer=BIB_AALST_CONSUMER,
            token=ANN_AALST,
        )
        response = signed.send(client)
    assert response.status_code == 200, response.content
    assert len(token_queries) == 4, "\n".join(query["sql"] for query in token_queries)
    assert len(oauth_queries) == 6, "\n".join(query["sql"] for query in oauth_queries)


# --- Through OAuth, as the v3 PHP client calls them ---------------------------------------


def test_the_php_client_asks_a_price_under_the_v3_prefix(demo, client):
    """``getPriceByUitpas`` signed by Bibliotheek Aalst's own consumer: no balieConsumerKey."""
    params = {
        "uitpasNumber": "0930000000305",
        "reason": "LOSS_THEFT",
        "dateOfBirth": "1990-05-12",
        "postalCode": "9300",
    }
    signed = php_client_request(
        "GET",
        "http://testserver/uitid/rest/uitpas/price",
        consumer=BIB_AALST_CONSUMER,
        token=ANN_AALST,
        form=params,
    )
    response = signed.send(client)
    assert response.status_code == 200, response.content
    assert read_price(response.content).price == 5.0


def test_the_php_client_reads_the_price_lists_under_the_v3_prefix(demo, client):
    signed = php_client_request(
        "GET",
        "http://testserver/uitid/rest/uitpas/passholder/uitpasPrice",
        form={"balieConsumerKey": KEYS.bib_aalst},
    )
    prices = read_prices(signed.send(client).content)
    assert len(prices) == 28 and {price.card_system.name for price in prices} == {"UiTPAS Regio Aalst"}


# --- The price lists -------------------------------------------------------------------------


def test_the_price_lists_as_the_documented_example(demo, api_as):
    response = api_as("ann").get(PRICES, {"balieConsumerKey": KEYS.bib_aalst})
    root = xml_of(response)
    assert [child.tag for child in root] == ["uitpasPrices"]
    rows = root.findall("uitpasPrices/uitpasPrice")
    assert (
        [child.tag for child in root.find("uitpasPrices")]
        == ["uitpasPrice"] * len(rows)
        == ["uitpasPrice"] * 28
    )
    for row in rows:
        tags = [child.tag for child in row]
        assert tags == sorted(tags, key=ENTITY_ORDER.index), tags
        assert {"id", "reason", "cardType", "kansenstatuut", "price", "cardSystem"} <= set(tags)
    # The documentation's first row, element by element.
    first_card = UitpasPrice.objects.get(
        card_system=demo.aalst, reason="FIRST_CARD", kansenstatuut=False, age_to=17
    )
    assert (
        "uitpasPrice",
        [
            ("id", str(first_card.pk)),
            ("reason", "FIRST_CARD"),
            ("cardType", "CARD"),
            ("ageRange", [("ageTo", "17")]),
            ("kansenstatuut", "false"),
            ("price", "2.00"),
            ("cardSystem", [("id", str(demo.aalst.pk)), ("name", "UiTPAS Regio Aalst")]),
        ],
    ) in tree(root.find("uitpasPrices"))
    # A row with a voucher type, in its place.
    voucher_row = next(row for row in rows if row.find("voucherType") is not None)
    assert tree(voucher_row.find("voucherType")) == [("name", "Gratis UiTPAS"), ("prefix", "100")]


@pytest.mark.parametrize(
    "username, params, card_systems",
    [
        ("ann", {"balieConsumerKey": KEYS.bib_aalst}, {"UiTPAS Regio Aalst"}),
        ("ann", {"balieConsumerKey": KEYS.toneel}, set()),
        # Without a balie: where the person's balies (or they themselves) may register.
        ("ann", {}, {"UiTPAS Regio Aalst"}),
        ("greet", {}, {"UiTPAS Gent"}),
        ("ksb-aalst", {}, {"UiTPAS Regio Aalst"}),
        ("admin", {}, {"UiTPAS Regio Aalst", "UiTPAS Gent"}),
        ("admin", {"balieConsumerKey": KEYS.bib_gent}, {"UiTPAS Gent"}),
    ],
)
def test_the_price_lists_of_the_card_systems_where_one_may_register(
    demo, api_as, username, params, card_systems
):
    response = api_as(username).get(PRICES, params)
    assert response.status_code == 200
    assert {price.card_system.name for price in read_prices(response.content)} == card_systems
    if not card_systems:
        assert tree(xml_of(response)) == [("uitpasPrices", None)]


def test_the_price_lists_of_a_balie_s_own_consumer(demo, client):
    response = oauthlib_request(
        "GET", "http://testserver/uitpas/passholder/uitpasPrice", consumer=BIB_AALST_CONSUMER, token=ANN_AALST
    ).send(client)
    assert len(read_prices(response.content)) == 28


@pytest.mark.parametrize(
    "username, key, code",
    [("ann", "nope", "UNKNOWN_BALIE_CONSUMERKEY"), ("bert", KEYS.bib_aalst, "ACCESS_DENIED")],
)
def test_the_price_lists_refuse_a_balie_one_does_not_work_at(demo, api_as, username, key, code):
    response = api_as(username).get(PRICES, {"balieConsumerKey": key})
    assert (response.status_code, error_code(response)) == (400, code)


# --- The reader crashes where the PHP client would -------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"<response><uitpasPrice><id>1</id><price>1.00</price></uitpasPrice></response>",
        b"<response><uitpasPrice><price>1.00</price><cardSystem><name>A</name></cardSystem></uitpasPrice></response>",
        b"<response><uitpasPrice><price>1.00</price><cardSystem><id>1</id><name/></cardSystem></uitpasPrice></response>",
        b"<response><price>1.00</price></response>",
    ],
    ids=["no cardSystem", "no cardSystem id", "an empty cardSystem name", "no uitpasPrice"],
)
def test_the_v3_reader_crashes_as_the_php_client_would(body):
    with pytest.raises(ClientCrash):
        read_price(body)
    if b"uitpasPrice" in body:
        with pytest.raises(ClientCrash):
            read_prices(
                body.replace(b"<uitpasPrice>", b"<uitpasPrices><uitpasPrice>").replace(
                    b"</uitpasPrice>", b"</uitpasPrice></uitpasPrices>"
                )
            )

"""The stock endpoints of the XML API: countCards, passholder/block and card, with their
errors, on the demo data."""

import pytest

from cardsystems import services
from cardsystems.models import CardHistory, CardStatus
from tests.conftest import KEYS, UIDS, error_code, xml_of
from tests.factories import MembershipFactory
from tests.stock import ids_of, stock_state

COUNT_CARDS = "/uitpas/balie/countCards"
CARD = "/uitpas/card"


def block_url(number: str) -> str:
    return f"/uitpas/passholder/block/{number}"


def counters_of(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    return [
        (
            counter.findtext("cardSystem/name"),
            counter.findtext("status"),
            counter.findtext("kansenstatuut"),
            int(counter.findtext("count")),
        )
        for counter in xml_of(response).find("counters")
    ]


class TestCountCards:
    def test_the_counters_of_bibliotheek_aalst(self, demo, api_as):
        response = api_as("ann").get(COUNT_CARDS, {"balieConsumerKey": KEYS.bib_aalst})
        assert counters_of(response) == [
            ("UiTPAS Regio Aalst", "SENT_TO_BALIE", "false", 1),
            ("UiTPAS Regio Aalst", "SENT_TO_BALIE", "true", 0),
            ("UiTPAS Regio Aalst", "LOCAL_STOCK", "false", 4),
            ("UiTPAS Regio Aalst", "LOCAL_STOCK", "true", 3),
        ]

    def test_the_shape_of_the_uitpas_api(self, demo, api_as):
        response = api_as("greet").get(COUNT_CARDS, {"balieConsumerKey": KEYS.bib_gent})
        first_counter = (
            "<response>\n\t<counters>\n\t\t<counter>\n"
            "\t\t\t<status>SENT_TO_BALIE</status>\n"
            "\t\t\t<kansenstatuut>false</kansenstatuut>\n"
            "\t\t\t<count>0</count>\n"
            "\t\t\t<cardSystem>\n"
            f"\t\t\t\t<id>{demo.gent.pk}</id>\n"
            "\t\t\t\t<name>UiTPAS Gent</name>\n"
            "\t\t\t</cardSystem>\n"
            "\t\t</counter>\n"
        )
        assert first_counter in response.content.decode()
        assert counters_of(response)[2:] == [
            ("UiTPAS Gent", "LOCAL_STOCK", "false", 2),
            ("UiTPAS Gent", "LOCAL_STOCK", "true", 1),
        ]

    @pytest.mark.parametrize(("username", "key"), [("bert", KEYS.de_werf), ("ann", KEYS.toneel)])
    def test_zero_counts_are_included(self, demo, api_as, username, key):
        counts = [
            count for *_, count in counters_of(api_as(username).get(COUNT_CARDS, {"balieConsumerKey": key}))
        ]
        assert counts == ([0, 0, 2, 0] if username == "bert" else [0, 0, 0, 0])

    def test_the_counters_follow_the_stock(self, demo, api_as):
        ksb = demo.user("ksb-aalst")
        services.send_cards_to_balie(user=ksb, card_ids=ids_of("0930000000800"), balie=demo.bib_aalst)
        services.confirm_arrival(user=ksb, card_ids=ids_of("0930000000701"))
        services.return_to_stock(user=ksb, card_ids=ids_of("0930000001113"))
        response = api_as("ann").get(COUNT_CARDS, {"balieConsumerKey": KEYS.bib_aalst})
        assert [count for *_, count in counters_of(response)] == [1, 0, 5, 2]

    def test_a_card_system_the_balie_left_still_counts_while_its_cards_are_there(self, demo, api_as):
        demo.bib_gent.card_systems.add(demo.aalst)
        services.send_cards_to_balie(
            user=demo.user("admin"), card_ids=ids_of("0930000000800"), balie=demo.de_werf
        )
        demo.de_werf.card_systems.set([demo.gent])
        names = {
            name
            for name, *_ in counters_of(api_as("bert").get(COUNT_CARDS, {"balieConsumerKey": KEYS.de_werf}))
        }
        assert names == {"UiTPAS Gent", "UiTPAS Regio Aalst"}

    @pytest.mark.parametrize(
        ("username", "params", "code"),
        [
            ("ann", {}, "MISSING_REQUIRED_FIELDS"),
            ("ann", {"balieConsumerKey": " "}, "MISSING_REQUIRED_FIELDS"),
            ("ann", {"balieConsumerKey": "NO-SUCH-KEY"}, "UNKNOWN_BALIE_CONSUMERKEY"),
            ("ann", {"balieConsumerKey": "NO\x00KEY"}, "UNKNOWN_BALIE_CONSUMERKEY"),
            ("bert", {"balieConsumerKey": KEYS.bib_aalst}, "ACCESS_DENIED"),
            ("ksb-aalst", {"balieConsumerKey": KEYS.bib_aalst}, "ACCESS_DENIED"),
        ],
    )
    def test_errors(self, demo, api_as, username, params, code):
        response = api_as(username).get(COUNT_CARDS, params)
        assert (response.status_code, error_code(response)) == (400, code)

    def test_a_superuser_sees_any_balie(self, demo, api_as):
        assert api_as("admin").get(COUNT_CARDS, {"balieConsumerKey": KEYS.bib_aalst}).status_code == 200

    def test_only_get_and_only_with_a_token(self, demo, api_as):
        assert api_as("ann").post(COUNT_CARDS, {"balieConsumerKey": KEYS.bib_aalst}).status_code == 405
        assert error_code(api_as(None).get(COUNT_CARDS, {"balieConsumerKey": KEYS.bib_aalst})) == (
            "NOT_AUTHENTICATED"
        )


class TestBlock:
    def test_staff_of_a_balie_with_the_block_right_block_a_card(self, demo, api_as):
        response = api_as("ann").post(block_url("0930056878802"), {"balieConsumerKey": KEYS.bib_aalst})
        assert response.status_code == 200, response.content
        assert response.content == (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response>\n'
            b"\t<code>ACTION_SUCCEEDED</code>\n\t<message>Kaart 0930056878802 is geblokkeerd.</message>\n"
            b"</response>"
        )
        card = demo.card("0930056878802")
        assert (card.status, card.passholder) == (CardStatus.BLOCKED, demo.passholder(UIDS.pieter))
        history = CardHistory.objects.filter(card=card).latest("id")
        assert (history.from_status, history.to_status, history.reason, history.user, history.balie) == (
            "ACTIVE",
            "BLOCKED",
            "BLOCKED",
            demo.user("ann"),
            demo.bib_aalst,
        )

    def test_the_only_balie_of_a_clerk_acts_without_a_key(self, demo, api_as):
        assert api_as("bert").post(block_url("0930056878802")).status_code == 200

    def test_a_card_system_administrator_acts_without_a_balie(self, demo, api_as):
        assert api_as("ksb-aalst").post(block_url("0930056878802")).status_code == 200
        assert CardHistory.objects.filter(card__uitpas_number="0930056878802").latest("id").balie is None
        response = api_as("ksb-aalst").post(block_url("0945000000105"))
        assert error_code(response) == "ACCESS_DENIED"

    def test_only_the_right_in_the_cards_own_card_system_counts(self, demo, api_as):
        # Marc holds a Gent card; his membership of Aalst gives Aalst's balies no say over it.
        assert error_code(api_as("bert").post(block_url("0945000000105"))) == "ACCESS_DENIED"
        MembershipFactory(passholder=demo.passholder(UIDS.marc), card_system=demo.aalst)
        before = stock_state()
        response = api_as("bert").post(block_url("0945000000105"))
        assert (response.status_code, error_code(response)) == (400, "ACCESS_DENIED")
        assert stock_state() == before
        assert api_as("greet").post(block_url("0945000000105")).status_code == 200

    @pytest.mark.parametrize(
        ("username", "number", "params", "code"),
        [
            ("ann", "0930056878802", {}, "MISSING_REQUIRED_FIELDS"),  # works at two balies
            ("ann", "0930056878803", {"balieConsumerKey": KEYS.bib_aalst}, "PARSE_INVALID_UITPASNUMBER"),
            ("ann", "093005687880", {"balieConsumerKey": "NO-SUCH-KEY"}, "PARSE_INVALID_UITPASNUMBER"),
            ("ann", "0930056878802", {"balieConsumerKey": "NO-SUCH-KEY"}, "UNKNOWN_BALIE_CONSUMERKEY"),
            ("bert", "0930056878802", {"balieConsumerKey": KEYS.bib_aalst}, "ACCESS_DENIED"),
            ("ann", "0930099999904", {"balieConsumerKey": KEYS.bib_aalst}, "UNKNOWN_UITPASNUMBER"),
            ("ann", "0930056878802", {"balieConsumerKey": KEYS.toneel}, "ACCESS_DENIED"),
            ("greet", "0930056878802", {}, "ACCESS_DENIED"),  # Pieter is no member of Gent
            ("ann", "0930000002004", {"balieConsumerKey": KEYS.bib_aalst}, "INVALID_CARD_STATUS"),  # blocked
            ("ann", "0930000000800", {"balieConsumerKey": KEYS.bib_aalst}, "INVALID_CARD_STATUS"),  # in stock
        ],
    )
    def test_errors_in_the_order_they_are_checked(self, demo, api_as, username, number, params, code):
        before = stock_state()
        response = api_as(username).post(block_url(number), params)
        assert (response.status_code, error_code(response)) == (400, code), response.content
        assert stock_state() == before

    def test_access_denied_names_the_block_right(self, demo, api_as):
        response = api_as("ann").post(block_url("0930056878802"), {"balieConsumerKey": KEYS.toneel})
        assert xml_of(response).findtext("requiredPermission") == "PERMISSION_PASSHOLDER - ACTION_BLOCK"

    def test_blocking_twice_is_refused(self, demo, api_as):
        client = api_as("bert")
        assert client.post(block_url("0930056878802")).status_code == 200
        assert error_code(client.post(block_url("0930056878802"))) == "INVALID_CARD_STATUS"

    def test_only_post(self, demo, api_as):
        assert api_as("bert").get(block_url("0930056878802")).status_code == 405


class TestCard:
    def test_a_card_by_its_uitpas_number(self, demo, api_as):
        response = api_as("ann").get(CARD, {"uitpasNumber": "0930000000107"})
        assert response.status_code == 200, response.content
        assert response.content.decode() == (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<response>\n'
            f"\t<cardSystem>\n\t\t<id>{demo.aalst.pk}</id>\n\t\t<name>UiTPAS Regio Aalst</name>\n\t</cardSystem>\n"
            "\t<cardType>CARD</cardType>\n\t<kansenpas>false</kansenpas>\n\t<status>LOCAL_STOCK</status>\n"
            "\t<uitpasNumber>0930000000107</uitpasNumber>\n</response>"
        )

    def test_a_card_by_its_chip_number_in_any_case(self, demo, api_as):
        body = xml_of(api_as("ann").get(CARD, {"chipNumber": " 04a1000000001113 "}))
        assert (body.findtext("uitpasNumber"), body.findtext("kansenpas")) == ("0930000001113", "true")

    def test_the_uitpas_number_wins_over_the_chip_number(self, demo, api_as):
        body = xml_of(
            api_as("ann").get(CARD, {"uitpasNumber": "0930000000107", "chipNumber": "04A1000000000206"})
        )
        assert body.findtext("uitpasNumber") == "0930000000107"

    @pytest.mark.parametrize(
        ("username", "params", "code"),
        [
            ("ann", {}, "MISSING_REQUIRED_FIELDS"),
            ("ann", {"uitpasNumber": " ", "chipNumber": ""}, "MISSING_REQUIRED_FIELDS"),
            ("ann", {"uitpasNumber": "0930000000108"}, "PARSE_INVALID_UITPASNUMBER"),
            ("ann", {"uitpasNumber": "0930099999904"}, "UNKNOWN_CARD"),
            ("ann", {"chipNumber": "04A1FFFFFFFFFFFF"}, "UNKNOWN_CHIPNUMBER"),
            ("ann", {"chipNumber": "not hex"}, "UNKNOWN_CHIPNUMBER"),
            ("greet", {"uitpasNumber": "0930000000107"}, "ACCESS_DENIED"),
            ("ann", {"uitpasNumber": "0930000000107", "balieConsumerKey": KEYS.toneel}, "ACCESS_DENIED"),
            ("ann", {"uitpasNumber": "0930000000107", "balieConsumerKey": KEYS.de_werf}, "ACCESS_DENIED"),
            (
                "ann",
                {"uitpasNumber": "0930000000107", "balieConsumerKey": "NO-SUCH-KEY"},
                "UNKNOWN_BALIE_CONSUMERKEY",
            ),
        ],
    )
    def test_errors(self, demo, api_as, username, params, code):
        response = api_as(username).get(CARD, params)
        assert (response.status_code, error_code(response)) == (400, code), response.content

    @pytest.mark.parametrize("username", ["ksb-aalst", "admin", "bert"])
    def test_whoever_holds_a_right_in_its_card_system_looks_a_card_up(self, demo, api_as, username):
        assert api_as(username).get(CARD, {"uitpasNumber": "0930000000107"}).status_code == 200

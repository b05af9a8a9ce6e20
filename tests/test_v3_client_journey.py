"""What issue 10 promises, end to end: a client that knows only the v3 documentation
(OAuth 1.0a signed as the PHP client signs, the endpoint ``…/uitid/rest/``, form posts,
W3C date-times) calls newCard, both passholder lookups, countCards, the card lookup,
block, the balie list and the two price endpoints (issue 13) with the demo credentials,
and reads the v3 answers as the PHP client reads them (``tests/v3_client.py``)."""

import datetime

from django.utils import timezone

from tests.conftest import KEYS, SEED_RESPONSE, UIDS, xml_of
from tests.oauth_signing import ANN_AALST, ANN_DEMO, BIB_AALST_CONSUMER, DEMO_APP, php_client_request
from tests.v3_client import read_balies, read_error, read_passholder, read_price, read_prices
from uitid.models import UserIdentity

ENDPOINT = "http://testserver/uitid/rest/"


def call(client, method: str, path: str, params: dict | None = None, *, consumer=DEMO_APP, token=ANN_DEMO):
    return php_client_request(method, ENDPOINT + path, consumer=consumer, token=token, form=params).send(
        client
    )


def test_a_v3_client_walks_every_endpoint(demo, client):
    ann_uid = str(UserIdentity.objects.get(user__username="ann").uid)

    # The balies ann works at, and what she may do there.
    balies = read_balies(call(client, "GET", "uitpas/balie/list", {"uid": ann_uid}).content)
    assert {balie.name: sorted(balie.card_systems[demo.aalst.pk].permissions) for balie in balies} == {
        "Bibliotheek Aalst": ["blokkeren", "kansenstatuut toekennen", "registratie"],
        "Toneelvereniging Haaltert": [],
    }

    # The stock of Bibliotheek Aalst.
    counters = xml_of(call(client, "GET", "uitpas/balie/countCards", {"balieConsumerKey": KEYS.bib_aalst}))
    assert [c.findtext("count") for c in counters.findall("counters/counter")] == ["1", "0", "4", "3"]

    # Pieter's card: who holds it, and his record by uid.
    by_card = call(client, "GET", "uitpas/passholder/0930056878802", {"balieConsumerKey": KEYS.bib_aalst})
    pieter = read_passholder(by_card.content)
    assert (pieter.uid, pieter.first_name) == (UIDS.pieter, "Pieter")
    assert pieter.card_system_specific[demo.aalst.pk].current_card.uitpas_number == "0930056878802"
    by_uid = call(client, "GET", f"uitpas/passholder/uid/{pieter.uid}", {"balieConsumerKey": KEYS.bib_aalst})
    assert read_passholder(by_uid.content) == pieter

    # A card in the stock.
    card = xml_of(call(client, "GET", "uitpas/card", {"uitpasNumber": "0930000001113"}))
    assert (card.findtext("status"), card.findtext("kansenpas")) == ("LOCAL_STOCK", "true")

    # What a kansenpas costs him: the price lists, then the price of this registration
    # (the date of birth as the PHP client writes it).
    prices = read_prices(
        call(client, "GET", "uitpas/passholder/uitpasPrice", {"balieConsumerKey": KEYS.bib_aalst}).content
    )
    assert {price.card_system.name for price in prices} == {"UiTPAS Regio Aalst"}
    price = read_price(
        call(
            client,
            "GET",
            "uitpas/price",
            {
                "reason": "OBTAIN_KANSENSTATUUT",
                "uitpasNumber": "0930000001113",
                "dateOfBirth": "2012-03-01",
                "postalCode": "9300",
                "balieConsumerKey": KEYS.bib_aalst,
            },
        ).content
    )
    assert (price.reason, price.kansenstatuut, price.price) == ("OBTAIN_KANSENSTATUUT", True, 0.0)
    assert price.id in {price.id for price in prices}

    # Pieter obtains a kansenstatuut: a kansenpas, the end date as the PHP client writes it.
    end = datetime.datetime(
        timezone.localdate().year + 1, 6, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    new_card = call(
        client,
        "POST",
        "uitpas/passholder/newCard",
        {
            "uid": pieter.uid,
            "reason": "OBTAIN_KANSENSTATUUT",
            "uitpasNumber": "0930000001113",
            "balieConsumerKey": KEYS.bib_aalst,
            "kansenStatuutEndDate": end.isoformat(),
        },
    )
    assert new_card.status_code == 200, new_card.content
    assert xml_of(new_card).findtext("message") == pieter.uid
    pieter = read_passholder(call(client, "GET", f"uitpas/passholder/uid/{pieter.uid}").content)
    aalst = pieter.card_system_specific[demo.aalst.pk]
    assert (aalst.current_card.uitpas_number, aalst.current_card.kansenpas, aalst.kansen_statuut) == (
        "0930000001113",
        True,
        True,
    )
    assert aalst.kansen_statuut_end_date.date() == end.date()

    # The new card is lost: blocked, by the balie's own consumer (no balieConsumerKey).
    blocked = call(
        client, "POST", "uitpas/passholder/block/0930000001113", consumer=BIB_AALST_CONSUMER, token=ANN_AALST
    )
    assert (blocked.status_code, xml_of(blocked).findtext("code")) == (200, "ACTION_SUCCEEDED")
    again = call(
        client, "POST", "uitpas/passholder/block/0930000001113", {"balieConsumerKey": KEYS.bib_aalst}
    )
    assert (again.status_code, read_error(again.content)[0]) == (400, "INVALID_CARD_STATUS")


def test_the_seed_request_through_the_v3_endpoint_with_removal(demo, client):
    """The v3 client's REMOVAL, and the seed's own request, both through /uitid/rest/."""
    response = call(
        client,
        "POST",
        "uitpas/passholder/newCard",
        {
            "uitpasNumber": "0930000000107",
            "uid": UIDS.ellen,
            "reason": "LOSS_KANSENSTATUUT",
            "balieConsumerKey": KEYS.bib_aalst,
        },
    )
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)
    removal = call(
        client,
        "POST",
        "uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": "REMOVAL",
            "uitpasNumber": "0930000000206",
            "balieConsumerKey": KEYS.bib_aalst,
        },
    )
    assert removal.status_code == 200, removal.content

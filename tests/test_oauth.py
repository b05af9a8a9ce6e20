"""OAuth 1.0a on the API: the v3 clients' user access tokens, verified by the server with
oauthlib and signed here by independent clients (oauthlib's ``Client`` and a signer
written from RFC 5849 that behaves like the v3 PHP client)."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA256,
    SIGNATURE_PLAINTEXT,
    SIGNATURE_TYPE_BODY,
    SIGNATURE_TYPE_QUERY,
)

from cardsystems.models import CardHistory
from tests.conftest import KEYS, SEED_REQUEST, SEED_RESPONSE, error_code, xml_of
from tests.oauth_signing import (
    ANN_AALST,
    ANN_DEMO,
    BERT_DEMO,
    BIB_AALST_CONSUMER,
    DEMO_APP,
    oauthlib_request,
    php_client_request,
)
from uitid import oauth
from uitid.models import AccessToken, UsedNonce
from uitid.services import issue_access_token

SERVER = "http://testserver"
NEW_CARD = f"{SERVER}/uitpas/passholder/newCard"
COUNT_CARDS = f"{SERVER}/uitpas/balie/countCards"


def count_cards_query(key: str = KEYS.bib_aalst) -> str:
    return f"{COUNT_CARDS}?balieConsumerKey={key}"


def assert_refused(response, message_part: str = "") -> None:
    assert (response.status_code, error_code(response)) == (401, "AUTHENTICATION_FAILED")
    assert response["WWW-Authenticate"] == 'OAuth realm="UiTPAS"'
    assert message_part in xml_of(response).findtext("message")


# --- Signed requests that are accepted ---------------------------------------------------


def test_the_seed_request_signed_with_oauth_gets_the_seed_response(demo, client):
    response = oauthlib_request("POST", NEW_CARD, form=SEED_REQUEST).send(client)
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)
    history = CardHistory.objects.filter(card__uitpas_number="0930000000107").latest("pk")
    assert (history.user.username, history.balie.name) == ("ann", "Bibliotheek Aalst")


@pytest.mark.parametrize("placement", ["AUTH_HEADER", SIGNATURE_TYPE_QUERY])
def test_a_get_signed_in_the_header_or_the_query_string(demo, client, placement):
    response = oauthlib_request("GET", count_cards_query(), placement=placement).send(client)
    assert response.status_code == 200
    assert xml_of(response).find("counters/counter/count") is not None


@pytest.mark.parametrize("placement", ["AUTH_HEADER", SIGNATURE_TYPE_QUERY, SIGNATURE_TYPE_BODY])
def test_a_form_post_signed_in_the_header_the_query_string_or_the_body(demo, client, placement):
    response = oauthlib_request("POST", NEW_CARD, form=SEED_REQUEST, placement=placement).send(client)
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)


def test_hmac_sha256_is_accepted_too(demo, client):
    signed = oauthlib_request("GET", count_cards_query(), signature_method=SIGNATURE_HMAC_SHA256)
    assert signed.send(client).status_code == 200


def test_plaintext_signatures_are_refused(demo, client):
    response = oauthlib_request("GET", count_cards_query(), signature_method=SIGNATURE_PLAINTEXT).send(client)
    assert_refused(response, "HMAC-SHA1 or HMAC-SHA256")


def test_the_php_client_s_get_with_oauth_in_header_and_query_string(demo, client):
    """The v3 PHP client repeats every oauth_* parameter of a GET in the query string:
    the header counts, and nothing is signed twice."""
    signed = php_client_request("GET", COUNT_CARDS, form={"balieConsumerKey": KEYS.bib_aalst})
    assert "oauth_signature=" in signed.url and "oauth_signature=" in signed.headers["Authorization"]
    assert "realm" not in signed.headers["Authorization"]
    assert signed.send(client).status_code == 200


def test_the_php_client_s_form_post(demo, client):
    response = php_client_request("POST", NEW_CARD, form=SEED_REQUEST).send(client)
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)


def test_values_with_spaces_and_reserved_characters_are_signed_as_sent(demo, client):
    # A value needing percent-encoding: the signature must cover it as the client saw it.
    signed = php_client_request(
        "GET",
        f"{SERVER}/uitpas/card",
        form={"chipNumber": " 04a1000000000107 ", "balieConsumerKey": KEYS.bib_aalst},
    )
    response = signed.send(client)
    assert response.status_code == 200, response.content
    assert xml_of(response).findtext("uitpasNumber") == "0930000000107"


def test_every_endpoint_answers_under_the_v3_prefix_too(demo, client):
    response = oauthlib_request(
        "POST", f"{SERVER}/uitid/rest/uitpas/passholder/newCard", form=SEED_REQUEST
    ).send(client)
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)
    signed = php_client_request(
        "GET", f"{SERVER}/uitid/rest/uitpas/balie/countCards", form={"balieConsumerKey": KEYS.bib_aalst}
    )
    assert signed.send(client).status_code == 200


def test_the_signed_url_is_the_one_the_client_saw_behind_a_tls_proxy(demo, client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    signed = oauthlib_request(
        "GET", f"https://testserver/uitpas/balie/countCards?balieConsumerKey={KEYS.bib_aalst}"
    )
    proxied = {"X-Forwarded-Proto": "https", "Host": "testserver"}  # as a TLS proxy passes them on
    response = client.get(signed.path_and_query, headers={**signed.headers, **proxied})
    assert response.status_code == 200
    # The same signature does not hold for the plain-HTTP URL the server itself was called on.
    again = oauthlib_request(
        "GET", f"https://testserver/uitpas/balie/countCards?balieConsumerKey={KEYS.bib_aalst}"
    )
    assert_refused(again.send(client), "signature")


def test_keys_tokens_and_nonces_of_64_characters(demo, client):
    from uitid.services import create_consumer

    key, token = "k" * 30 + "-" + "K" * 33, "t" * 64
    credentials = create_consumer(name="Long keys", key=key, created_by=None)
    issue_access_token(
        user=demo.user("ann"), consumer=credentials.consumer, issued_by=None, token=token, secret="s" * 64
    )
    signed = oauthlib_request(
        "GET",
        count_cards_query(),
        consumer=(key, credentials.consumer_secret),
        token=(token, "s" * 64),
        nonce="n" * 64,
    )
    assert signed.send(client).status_code == 200
    too_long = oauthlib_request("GET", count_cards_query(), nonce="n" * 65)
    assert_refused(too_long.send(client), "oauth_nonce")


def test_consumer_keys_are_compared_as_stored(demo, client):
    lower = (BIB_AALST_CONSUMER[0].lower(), BIB_AALST_CONSUMER[1])
    assert_refused(oauthlib_request("GET", count_cards_query(), consumer=lower, token=ANN_AALST).send(client))


# --- Refusals ------------------------------------------------------------------------------


def test_a_wrong_consumer_secret_is_refused(demo, client):
    signed = oauthlib_request("POST", NEW_CARD, form=SEED_REQUEST, consumer=("demo-balie-app", "wrong"))
    assert_refused(signed.send(client), "signature")
    assert demo.card("0930000000107").status == "LOCAL_STOCK"


def test_a_wrong_token_secret_is_refused(demo, client):
    signed = oauthlib_request("GET", count_cards_query(), token=("ann-demo-token", "wrong"))
    assert_refused(signed.send(client), "signature")


@pytest.mark.parametrize("minutes, accepted", [(-11, False), (-9, True), (9, True), (11, False)])
def test_the_timestamp_must_be_within_ten_minutes(demo, client, minutes, accepted):
    signed = oauthlib_request("GET", count_cards_query(), timestamp=int(time.time()) + minutes * 60)
    response = signed.send(client)
    if accepted:
        assert response.status_code == 200
    else:
        assert_refused(response, "10 minutes")


def test_a_replayed_request_is_refused(demo, client):
    signed = oauthlib_request("POST", NEW_CARD, form=SEED_REQUEST)
    assert signed.send(client).status_code == 200
    assert_refused(signed.send(client), "nonce")


def test_the_same_nonce_with_another_timestamp_or_token_is_no_replay(demo, client):
    now = int(time.time())
    assert (
        oauthlib_request("GET", count_cards_query(), nonce="n1", timestamp=now).send(client).status_code
        == 200
    )
    assert (
        oauthlib_request("GET", count_cards_query(), nonce="n1", timestamp=now - 1).send(client).status_code
        == 200
    )
    signed = oauthlib_request(
        "GET", count_cards_query(KEYS.de_werf), token=BERT_DEMO, nonce="n1", timestamp=now
    )
    assert signed.send(client).status_code == 200


def test_a_forged_request_leaves_no_nonce_behind(demo, client):
    signed = oauthlib_request("GET", count_cards_query(), token=("ann-demo-token", "wrong"))
    assert_refused(signed.send(client))
    assert not UsedNonce.objects.exists()


def test_a_revoked_token_is_refused(demo, client, admin_as):
    AccessToken.objects.filter(token="ann-demo-token").update(revoked_at=timezone.now())
    assert_refused(oauthlib_request("GET", count_cards_query()).send(client), "revoked")


def test_an_inactive_user_is_refused(demo, client):
    get_user_model().objects.filter(username="ann").update(is_active=False)
    assert_refused(oauthlib_request("GET", count_cards_query()).send(client), "inactive")


def test_a_token_of_one_consumer_used_with_another_is_refused(demo, client):
    # ann-aalst-token was issued for Bibliotheek Aalst's own consumer, not the demo app.
    signed = oauthlib_request("GET", count_cards_query(), consumer=DEMO_APP, token=ANN_AALST)
    assert_refused(signed.send(client), "another consumer")


@pytest.mark.parametrize(
    "consumer, token",
    [(("unknown-consumer", "x"), ANN_DEMO), (DEMO_APP, ("unknown-token", "x")), (DEMO_APP, None)],
    ids=["unknown consumer", "unknown token", "no token"],
)
def test_unknown_credentials_are_refused(demo, client, consumer, token):
    assert_refused(oauthlib_request("GET", count_cards_query(), consumer=consumer, token=token).send(client))


@pytest.mark.parametrize(
    "header",
    [
        "OAuth",
        "OAuth garbage",
        'OAuth oauth_consumer_key="demo-balie-app"',
        'OAuth oauth_consumer_key="a", oauth_consumer_key="b"',
        'OAuth oauth_consumer_key="demo-balie-app", oauth_token="ann-demo-token", oauth_signature_method="HMAC-SHA1", '
        'oauth_timestamp="not-a-number", oauth_nonce="x", oauth_signature="x"',
        "OAuth " + "x" * 10_000,
    ],
)
def test_malformed_oauth_headers_are_refused(demo, client, header):
    response = client.get(count_cards_query().removeprefix(SERVER), headers={"Authorization": header})
    assert_refused(response)


def test_oauth_parameters_in_two_places_without_the_header_are_refused(demo, client):
    signed = oauthlib_request("GET", count_cards_query(), placement=SIGNATURE_TYPE_QUERY)
    body = "oauth_nonce=other"
    response = client.generic(
        "GET", signed.path_and_query, data=body, content_type="application/x-www-form-urlencoded"
    )
    assert_refused(response)


# --- Acting for a balie ----------------------------------------------------------------------


def test_a_balie_s_own_consumer_acts_for_that_balie_when_none_is_named(demo, client):
    form = {key: value for key, value in SEED_REQUEST.items() if key != "balieConsumerKey"}
    # ann works at two balies: with an application's consumer she must say which.
    response = oauthlib_request("POST", NEW_CARD, form=form, token=ANN_DEMO).send(client)
    assert (response.status_code, error_code(response)) == (400, "MISSING_REQUIRED_FIELDS")
    signed = oauthlib_request("POST", NEW_CARD, form=form, consumer=BIB_AALST_CONSUMER, token=ANN_AALST)
    assert (signed.send(client).status_code, signed.send(client).status_code) == (200, 401)  # then a replay
    history = CardHistory.objects.filter(card__uitpas_number="0930000000107").latest("pk")
    assert history.balie == demo.bib_aalst


@pytest.mark.parametrize("path", ["/uitpas/balie/countCards", "/uitpas/card?uitpasNumber=0930000000107"])
def test_the_balie_s_own_consumer_also_fills_in_the_balie_of_reads(demo, client, path):
    response = oauthlib_request("GET", SERVER + path, consumer=BIB_AALST_CONSUMER, token=ANN_AALST).send(
        client
    )
    assert response.status_code == 200


def test_a_named_balie_overrides_the_consumer_s(demo, client):
    form = {**SEED_REQUEST, "balieConsumerKey": KEYS.toneel}
    response = oauthlib_request(
        "POST", NEW_CARD, form=form, consumer=BIB_AALST_CONSUMER, token=ANN_AALST
    ).send(client)
    assert (response.status_code, error_code(response)) == (400, "ACCESS_DENIED")


def test_the_clerk_must_work_at_the_consumer_s_balie(demo, client):
    # bert (CC De Werf) holds a token of Bibliotheek Aalst's own consumer.
    from uitid.models import Consumer

    issue_access_token(
        user=demo.user("bert"),
        consumer=Consumer.objects.get(key=KEYS.bib_aalst),
        issued_by=None,
        token="bert-aalst-token",
        secret="bert-aalst-secret",
    )
    form = {key: value for key, value in SEED_REQUEST.items() if key != "balieConsumerKey"}
    signed = oauthlib_request(
        "POST",
        NEW_CARD,
        form=form,
        consumer=BIB_AALST_CONSUMER,
        token=("bert-aalst-token", "bert-aalst-secret"),
    )
    response = signed.send(client)
    assert (response.status_code, error_code(response)) == (400, "ACCESS_DENIED")
    assert "Bibliotheek Aalst" in xml_of(response).findtext("message")


# --- Cost ---------------------------------------------------------------------------------------


def test_oauth_costs_one_statement_more_than_a_drf_token(demo, client, api_as):
    AccessToken.objects.filter(token="ann-demo-token").update(last_used_at=timezone.now())
    token_client = api_as("ann")
    with CaptureQueriesContext(connection) as with_token:
        assert token_client.get(count_cards_query().removeprefix(SERVER)).status_code == 200
    with CaptureQueriesContext(connection) as with_oauth:
        assert oauthlib_request("GET", count_cards_query()).send(client).status_code == 200
    assert len(with_oauth) == len(with_token) + 1
    assert "INSERT" in with_oauth.captured_queries[1]["sql"].upper()


def test_last_used_is_written_at_most_once_a_minute(demo, client):
    oauthlib_request("GET", count_cards_query()).send(client)
    first = AccessToken.objects.get(token="ann-demo-token").last_used_at
    assert first is not None
    oauthlib_request("GET", count_cards_query()).send(client)
    assert AccessToken.objects.get(token="ann-demo-token").last_used_at == first
    AccessToken.objects.filter(token="ann-demo-token").update(
        last_used_at=first - timezone.timedelta(minutes=2)
    )
    oauthlib_request("GET", count_cards_query()).send(client)
    assert AccessToken.objects.get(token="ann-demo-token").last_used_at > first


def test_nonces_that_can_no_longer_be_replayed_are_forgotten(db):
    now = int(time.time())
    for age in (0, 600, 700, 10_000):
        UsedNonce.objects.create(consumer_key="c", token="t", timestamp=now - age, nonce=f"n{age}")
    assert oauth.forget_expired_nonces(now=now) == 2
    assert sorted(UsedNonce.objects.values_list("nonce", flat=True)) == ["n0", "n600"]


def test_valid_requests_clean_the_nonce_store_now_and_then(demo, client, monkeypatch):
    UsedNonce.objects.create(consumer_key="c", token="t", timestamp=int(time.time()) - 10_000, nonce="old")
    monkeypatch.setattr(oauth, "NONCE_CLEANING_CHANCE", 1.0)
    assert oauthlib_request("GET", count_cards_query()).send(client).status_code == 200
    assert not UsedNonce.objects.filter(nonce="old").exists()


def test_drf_tokens_keep_working_beside_oauth(demo, api_as):
    response = api_as("ann").post(NEW_CARD.removeprefix(SERVER), SEED_REQUEST)
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)

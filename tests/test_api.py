"""The XML API as a client sees it: the seed's exchange, the resource it points to, and
XML (never HTML) for every failure."""

import logging

import pytest
from django.test import override_settings

from passholders import api
from tests.conftest import KEYS, SEED_REQUEST, SEED_RESPONSE, UIDS, error_code, xml_of
from tests.v3_client import RDF

NEW_CARD = "/uitpas/passholder/newCard"


def test_the_seed_request_gets_the_seed_response_byte_for_byte(demo, api_as):
    response = api_as("ann").post(NEW_CARD, SEED_REQUEST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content == SEED_RESPONSE


def test_an_xml_body_is_accepted_too(demo, api_as):
    body = "<request>" + "".join(f"<{k}>{v}</{k}>" for k, v in SEED_REQUEST.items()) + "</request>"
    response = api_as("ann").post(NEW_CARD, body, content_type="application/xml")
    assert response.content == SEED_RESPONSE


def test_the_answer_is_xml_whatever_the_client_accepts(demo, api_as):
    response = api_as("ann").post(NEW_CARD, SEED_REQUEST, HTTP_ACCEPT="application/json")
    assert response.content == SEED_RESPONSE


def test_messages_follow_the_client_language(demo, api_as):
    english = api_as("ann").post(NEW_CARD, {}, HTTP_ACCEPT_LANGUAGE="en")
    dutch = api_as("ann").post(NEW_CARD, {}, HTTP_ACCEPT_LANGUAGE="nl")
    assert xml_of(english).findtext("message") == "uid is required."
    assert xml_of(dutch).findtext("message") == "uid is verplicht."


def test_the_resource_of_the_success_response_shows_the_passholder(demo, api_as):
    api_as("ann").post(NEW_CARD, SEED_REQUEST)
    response = api_as("ann").get("/uitpas/passholder/0930000000107")
    assert response.status_code == 200
    holder = xml_of(response)
    assert holder.tag == "passHolder"
    assert (
        holder.findtext(f"uitIdUser/{{{RDF}}}id"),
        holder.findtext("name"),
        holder.findtext("firstName"),
    ) == (
        UIDS.ellen,
        "Vanmaele",
        "Ellen",
    )
    [specific] = holder.findall("cardSystemSpecific")
    assert specific.findtext("cardSystem/name") == "UiTPAS Regio Aalst"
    assert specific.findtext("cardSystem/id") == str(demo.aalst.pk)
    assert specific.findtext("status") == "ACTIVE"
    assert specific.findtext("kansenStatuut") == "false"
    assert specific.find("kansenStatuutEndDate") is None
    assert [
        specific.findtext(f"currentCard/{tag}")
        for tag in ("uitpasNumber/uitpasNumber", "status", "kansenpas")
    ] == [
        "0930000000107",
        "ACTIVE",
        "false",
    ]


def test_the_passholder_resource_shows_the_kansenstatuut(demo, api_as):
    specific = xml_of(api_as("ann").get("/uitpas/passholder/0930000001410")).find("cardSystemSpecific")
    assert specific.findtext("kansenStatuut") == "true"
    assert specific.findtext("kansenStatuutEndDate").endswith("-12-31T23:59:59+01:00")
    assert specific.findtext("currentCard/kansenpas") == "true"


@pytest.mark.parametrize(
    "user, number, key, code",
    [
        ("ann", "0930000001410", None, None),
        ("bert", "0930000001410", None, None),
        ("ksb-aalst", "0930000001410", None, None),
        ("admin", "0945000000105", None, None),
        ("ann", "0930000001410", KEYS.bib_aalst, None),
        ("ann", "0930000001410", KEYS.toneel, "ACCESS_DENIED"),
        ("greet", "0930000001410", None, "ACCESS_DENIED"),
        ("ksb-aalst", "0945000000105", None, "ACCESS_DENIED"),
        ("greet", "0930000001410", KEYS.bib_aalst, "ACCESS_DENIED"),
        ("ann", "0930000001410", "NOPE", "UNKNOWN_BALIE_CONSUMERKEY"),
        ("ann", "0930000000108", None, "PARSE_INVALID_UITPASNUMBER"),
        ("ann", "0930000099901", None, "UNKNOWN_CARD"),
        ("ann", "0930000000206", None, "UNKNOWN_CARD"),  # in stock: nobody holds it
    ],
)
def test_who_may_see_a_passholder(demo, api_as, user, number, key, code):
    params = {"balieConsumerKey": key} if key else {}
    response = api_as(user).get(f"/uitpas/passholder/{number}", params)
    if code is None:
        assert response.status_code == 200, response.content
    else:
        assert (response.status_code, error_code(response)) == (400, code)


def test_a_passholder_shows_only_the_memberships_the_viewer_has_rights_in(demo, api_as):
    api_as("ann").post(
        NEW_CARD,
        {
            "uid": UIDS.marc,
            "reason": "EXTRA_CARD",
            "uitpasNumber": "0930000000305",
            "balieConsumerKey": KEYS.bib_aalst,
        },
    )

    def systems(user):
        body = xml_of(api_as(user).get("/uitpas/passholder/0945000000105"))
        return [specific.findtext("cardSystem/name") for specific in body.findall("cardSystemSpecific")]

    assert systems("greet") == ["UiTPAS Gent"]
    assert systems("ann") == ["UiTPAS Regio Aalst"]
    assert systems("admin") == ["UiTPAS Gent", "UiTPAS Regio Aalst"]


@pytest.mark.parametrize(
    "headers, code, challenge",
    [
        # No credentials: both schemes the API accepts.
        ({}, "NOT_AUTHENTICATED", 'OAuth realm="UiTPAS", Token'),
        (
            {"HTTP_AUTHORIZATION": "Token 0123456789abcdef0123456789abcdef01234567"},
            "AUTHENTICATION_FAILED",
            "Token",
        ),
        ({"HTTP_AUTHORIZATION": "Token"}, "AUTHENTICATION_FAILED", "Token"),
        ({"HTTP_AUTHORIZATION": "Bearer something"}, "NOT_AUTHENTICATED", 'OAuth realm="UiTPAS", Token'),
    ],
)
def test_401_without_a_valid_token(demo, client, headers, code, challenge):
    response = client.post(NEW_CARD, SEED_REQUEST, **headers)
    assert (response.status_code, error_code(response)) == (401, code)
    assert response["WWW-Authenticate"] == challenge


def test_401_for_an_inactive_user(demo, api_as):
    api_client = api_as("ann")
    demo.user("ann").__class__.objects.filter(username="ann").update(is_active=False)
    response = api_client.post(NEW_CARD, SEED_REQUEST)
    assert (response.status_code, error_code(response)) == (401, "AUTHENTICATION_FAILED")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/uitpas/nothing-here"),
        ("post", "/uitpas/passholder/newCard/extra"),
        ("get", "/uitpas"),
        ("delete", "/uitpas/passholder/0930000001410/x"),
    ],
)
def test_404_under_uitpas_is_xml(demo, api_as, method, path):
    response = getattr(api_as("ann"), method)(path)
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


def test_404_is_xml_without_a_token_too(db, client):
    response = client.get("/uitpas/unknown")
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", NEW_CARD),
        ("put", NEW_CARD),
        ("delete", NEW_CARD),
        ("post", "/uitpas/passholder/0930000001410"),
    ],
)
def test_405_is_xml(demo, api_as, method, path):
    response = getattr(api_as("ann"), method)(path)
    assert (response.status_code, error_code(response)) == (405, "METHOD_NOT_ALLOWED")
    assert response["Allow"]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "image/png"])
def test_415_is_xml(demo, api_as, content_type):
    response = api_as("ann").post(NEW_CARD, b"{}", content_type=content_type)
    assert (response.status_code, error_code(response)) == (415, "UNSUPPORTED_MEDIA_TYPE")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<request><uid>&lol3;</uid></request>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><request><uid>&xxe;</uid></request>"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, "<request><uid>", "not xml at all", "<a></b>"],
    ids=["entity bomb", "external entity", "unclosed", "text", "mismatched"],
)
def test_unparseable_and_hostile_xml_is_refused_with_400(demo, api_as, body):
    response = api_as("ann").post(NEW_CARD, body, content_type="application/xml")
    assert (response.status_code, error_code(response)) == (400, "PARSE_ERROR")
    assert b"root:" not in response.content


def test_an_xml_document_without_parameters_is_missing_fields(demo, api_as):
    response = api_as("ann").post(NEW_CARD, "<request/>", content_type="application/xml")
    assert (response.status_code, error_code(response)) == (400, "MISSING_REQUIRED_FIELDS")


def test_an_unexpected_exception_is_a_generic_xml_500_and_logged(demo, api_as, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "register_new_card", explode)
    with caplog.at_level(logging.ERROR, logger="uitpas.api"):
        response = api_as("ann").post(NEW_CARD, SEED_REQUEST)
    assert (response.status_code, error_code(response)) == (500, "INTERNAL_ERROR")
    assert b"secret internals" not in response.content and b"Traceback" not in response.content
    assert "secret internals" in caplog.text


@override_settings(DEBUG=True)
def test_no_debug_page_from_the_api_even_in_debug_mode(demo, api_as, monkeypatch):
    monkeypatch.setattr(api, "register_new_card", lambda **kwargs: 1 / 0)
    response = api_as("ann").post(NEW_CARD, SEED_REQUEST)
    assert (response.status_code, error_code(response)) == (500, "INTERNAL_ERROR")


def test_control_characters_in_echoed_values_keep_the_xml_well_formed(demo, api_as):
    response = api_as("ann").post(NEW_CARD, {**SEED_REQUEST, "balieConsumerKey": "bad\x01key\x1b<&>"})
    assert error_code(response) == "UNKNOWN_BALIE_CONSUMERKEY"

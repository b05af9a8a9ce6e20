"""Requests the API refuses for their shape rather than their values, on every endpoint
under both prefixes: XML nested too deep (400 PARSE_ERROR), too many parameters or files
(413 REQUEST_TOO_LARGE); and OPTIONS, answered as DRF describes an endpoint. Never a 500,
always XML."""

import urllib.parse

import pytest

from cardsystems.models import Card
from tests.conftest import SEED_REQUEST, UIDS, database_state, error_code, xml_of
from tests.oauth_signing import ANN_DEMO, php_client_request

NEW_CARD = "/uitpas/passholder/newCard"
PREFIXES = ["/uitpas", "/uitid/rest/uitpas"]
POST_PATHS = ["/passholder/newCard", "/passholder/block/0930056878802"]
GET_PATHS = [
    "/passholder/0930000001410",
    f"/passholder/uid/{UIDS.ellen}",
    "/balie/countCards",
    "/balie/list",
    "/card",
]
# One more than Django's DATA_UPLOAD_MAX_NUMBER_FIELDS, and the query string.
FIELDS_1001 = [(f"field{number}", "1") for number in range(1001)]
QUERY_3000 = "&".join(f"p{number}=1" for number in range(3000))


def nested_xml(depth: int) -> str:
    """A request whose root holds the seed's parameters and one element ``depth`` deep."""
    parameters = "".join(f"<{name}>{value}</{name}>" for name, value in SEED_REQUEST.items())
    return f"<request>{parameters}{'<a>' * (depth - 1)}x{'</a>' * (depth - 1)}</request>"


def multipart(parts: list[str]) -> bytes:
    return ("".join(parts) + "--b--\r\n").encode()


def refused(response, status: int, code: str) -> None:
    assert (response.status_code, error_code(response)) == (status, code), response.content


@pytest.mark.parametrize("prefix", PREFIXES)
def test_xml_nested_deeper_than_32_elements_is_a_parse_error(demo, api_as, prefix):
    before = database_state()
    for depth in (33, 1000):
        response = api_as("ann").post(
            f"{prefix}/passholder/newCard", nested_xml(depth), content_type="application/xml"
        )
        refused(response, 400, "PARSE_ERROR")
        assert "32" in xml_of(response).findtext("message")
    assert database_state() == before


def test_xml_32_elements_deep_is_read(demo, api_as):
    response = api_as("ann").post(NEW_CARD, nested_xml(32), content_type="application/xml")
    assert response.status_code == 200, response.content
    assert Card.objects.get(uitpas_number=SEED_REQUEST["uitpasNumber"]).status == "ACTIVE"


def test_xml_with_a_dtd_is_refused_even_without_entities(demo, api_as):
    body = "<!DOCTYPE request><request><uid>x</uid></request>"
    refused(api_as("ann").post(NEW_CARD, body, content_type="application/xml"), 400, "PARSE_ERROR")


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "body, content_type",
    [
        (urllib.parse.urlencode(FIELDS_1001), "application/x-www-form-urlencoded"),
        (
            multipart(
                [f'--b\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n' for n, v in FIELDS_1001]
            ),
            "multipart/form-data; boundary=b",
        ),
        ("<request>" + "".join(f"<{n}>{v}</{n}>" for n, v in FIELDS_1001) + "</request>", "application/xml"),
        (
            multipart(
                [
                    f'--b\r\nContent-Disposition: form-data; name="f{n}"; filename="f{n}.txt"\r\n\r\nx\r\n'
                    for n in range(101)
                ]
            ),
            "multipart/form-data; boundary=b",
        ),
    ],
    ids=["form", "multipart", "xml", "101 files"],
)
@pytest.mark.parametrize("path", POST_PATHS)
def test_a_body_with_more_than_1000_parameters_is_too_large(demo, api_as, prefix, path, body, content_type):
    before = database_state()
    refused(api_as("ann").post(prefix + path, body, content_type=content_type), 413, "REQUEST_TOO_LARGE")
    assert database_state() == before


def test_a_body_with_1000_parameters_is_read(demo, api_as):
    fields = [*SEED_REQUEST.items(), *FIELDS_1001[: 1000 - len(SEED_REQUEST)]]
    response = api_as("ann").post(
        NEW_CARD, urllib.parse.urlencode(fields), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("path", GET_PATHS)
def test_a_query_string_with_more_than_1000_parameters_is_too_large(demo, api_as, prefix, path):
    refused(api_as("ann").get(f"{prefix}{path}?{QUERY_3000}"), 413, "REQUEST_TOO_LARGE")


def test_an_oauth_signed_request_with_too_many_parameters_is_too_large(demo, client):
    signed = php_client_request(
        "GET", "http://testserver/uitid/rest/uitpas/balie/countCards", form=dict(FIELDS_1001)
    )
    refused(signed.send(client), 413, "REQUEST_TOO_LARGE")


@pytest.mark.parametrize("step", ["requestToken", "accessToken"])
def test_the_oauth_flow_reads_a_body_of_1001_fields_without_failing(demo, client, step):
    form = urllib.parse.urlencode(FIELDS_1001)
    unsigned = client.post(f"/uitid/rest/{step}", form, content_type="application/x-www-form-urlencoded")
    refused(unsigned, 401, "AUTHENTICATION_FAILED")
    # Signed, the fields are parameters like any other: oauthlib verifies them all.
    signed = php_client_request(
        "POST",
        f"http://testserver/uitid/rest/{step}",
        token=None if step == "requestToken" else ANN_DEMO,
        form=dict(FIELDS_1001),
        oauth_extra={"oauth_callback": "oob"} if step == "requestToken" else {"oauth_verifier": "unknown"},
    ).send(client)
    if step == "requestToken":
        assert signed.status_code == 200 and b"oauth_token=" in signed.content, signed.content
    else:
        refused(signed, 401, "AUTHENTICATION_FAILED")


def test_a_request_django_refuses_is_an_xml_400_on_the_api(demo, api_as):
    response = api_as("ann").post(NEW_CARD, SEED_REQUEST, HTTP_HOST="not-served.example")
    refused(response, 400, "PARSE_ERROR")


def test_a_request_django_refuses_elsewhere_keeps_django_s_page(db, client):
    response = client.get("/admin/", HTTP_HOST="not-served.example")
    assert response.status_code == 400 and not response["Content-Type"].startswith("application/xml")


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("path", GET_PATHS + POST_PATHS)
def test_options_describes_the_endpoint_in_xml(demo, api_as, prefix, path):
    response = api_as("ann").options(prefix + path)
    assert response.status_code == 200, response.content
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert allowed >= {"OPTIONS", "POST" if path in POST_PATHS else "GET"}
    document = xml_of(response)
    assert document.findtext("name")
    assert [item.text for item in document.findall("renders/list-item")] == ["application/xml"]
    assert "application/x-www-form-urlencoded" in [item.text for item in document.findall("parses/list-item")]


def test_options_needs_credentials_like_any_request(demo, client):
    refused(client.options(NEW_CARD), 401, "NOT_AUTHENTICATED")

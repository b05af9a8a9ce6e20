"""Property-based fuzzing of every API endpoint (hypothesis).

Random and adversarial values (empty, very long, unicode, control characters, numbers
with spaces, odd dates, SQL and markup fragments, the demo's real values), missing,
unknown and repeated parameters, floods of parameters around Django's limit of 1,000,
every content type, non-UTF-8 and oversized bodies, XML with entities or nested
thousands deep; OPTIONS; both prefixes (``/uitpas/`` and the v3 clients'
``/uitid/rest/uitpas/``). For every request: never a 5xx, always an XML body: a failure
with root ``response`` and a documented code, the database unchanged; a success with the
endpoint's root (``passHolder`` for the passholder lookups, ``response`` for OPTIONS).

``make test`` runs a bounded number of examples (the ``ci`` profile); ``make fuzz`` runs
many more (``HYPOTHESIS_PROFILE=fuzz``). Each test prints how many requests it sent.
"""

import json
import urllib.parse
from dataclasses import dataclass, field
from xml.etree import ElementTree

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import KEYS, UIDS, database_state
from uitid.models import UserIdentity
from uitpas_site.errors import ErrorCode

DOCUMENTED = {code.value for code in ErrorCode}

ADVERSARIAL = [
    "",
    " ",
    "\x00",
    "\t\n",
    "null",
    "None",
    "0",
    "-1",
    "1e9",
    "' OR '1'='1",
    "'; DROP TABLE cardsystems_card; --",
    "<script>alert(1)</script>",
    "]]>",
    "&amp;",
    "%00",
    "../../etc/passwd",
    "𝟘𝟡𝟛𝟘",
    "٠٩٣٠",
    "ＬＯＳＳ_ＴＨＥＦＴ",
    "0930000000107 ",
    " 0930000000107",
    "0930 0000 0010 7",
    "09300000001070",
    "2026-12-31T00:00:00Z",
    "31/12/2026",
    "2026-02-29",
    "9999-12-31",
    "0000-00-00",
    "+02026-01-01",
    "\u202e1000001",
    "1" * 5000,
]
VALID = {
    "uid": [UIDS.ellen, UIDS.pieter, UIDS.marc, UIDS.sofie, UIDS.tom, UIDS.ellen.upper()],
    "reason": [
        "LOSS_THEFT",
        "DEFECT",
        "LOSS_KANSENSTATUUT",
        "OBTAIN_KANSENSTATUUT",
        "CARD_UPGRADE",
        "EXTRA_CARD",
    ],
    "uitpasNumber": [
        "0930000000107",
        "0930000001113",
        "0930000000503",
        "0930000000701",
        "0945000000204",
        "0930000001410",
    ],
    "voucherNumber": ["1000001", "1000003", "2000001", "1009999"],
    "balieConsumerKey": [KEYS.bib_aalst, KEYS.de_werf, KEYS.toneel, KEYS.bib_gent, KEYS.bib_aalst.lower()],
    "kansenStatuutEndDate": ["2027-12-31", "2026-12-31", "2027-04-30", "2020-01-01"],
    "chipNumber": ["04A1000000000107", "04a1000000000107", "FFFF"],
    "dateOfBirth": ["2010-01-01", "1990-05-12T00:00:00+02:00", "2999-01-01", "2010-02-30"],
    "postalCode": ["9300", "9000", "B-9300"],
}

# The demo users' uids, fixed for these tests (see ``fixed_user_uids``).
USER_UIDS = {
    "ann": "0b1d5c8e-6a0e-4d33-9f57-1c2a3b4c5d01",
    "bert": "0b1d5c8e-6a0e-4d33-9f57-1c2a3b4c5d02",
    "greet": "0b1d5c8e-6a0e-4d33-9f57-1c2a3b4c5d03",
    "ksb-aalst": "0b1d5c8e-6a0e-4d33-9f57-1c2a3b4c5d04",
    "admin": "0b1d5c8e-6a0e-4d33-9f57-1c2a3b4c5d05",
}

values = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.text(max_size=60),
    st.text(alphabet="0123456789 ", max_size=16),
    st.from_regex(r"0[0-9]{12}", fullmatch=True),
)


@dataclass
class Endpoint:
    method: str
    path: str
    params: list[str]
    # A path template with {value}: the path itself is fuzzed too, also with the valid
    # values of this parameter.
    path_values: str | None = None
    query: bool = False
    extra: list[str] = field(default_factory=lambda: ["unknown", "UID", "reason[]"])
    success_root: str = "response"
    # Valid values of this endpoint's parameters where they differ from VALID's.
    valid: dict[str, list[str]] = field(default_factory=dict)


ENDPOINTS = {
    "newCard": Endpoint(
        "post",
        "/uitpas/passholder/newCard",
        ["uid", "reason", "uitpasNumber", "voucherNumber", "balieConsumerKey", "kansenStatuutEndDate"],
    ),
    "passholder": Endpoint(
        "get",
        "/uitpas/passholder/{value}",
        ["balieConsumerKey"],
        path_values="uitpasNumber",
        query=True,
        success_root="passHolder",
    ),
    "passholderByUid": Endpoint(
        "get",
        "/uitpas/passholder/uid/{value}",
        ["balieConsumerKey"],
        path_values="uid",
        query=True,
        success_root="passHolder",
    ),
    "countCards": Endpoint("get", "/uitpas/balie/countCards", ["balieConsumerKey"], query=True),
    # Here a uid is a user's, not a passholder's.
    "balieList": Endpoint(
        "get",
        "/uitpas/balie/list",
        ["uid"],
        query=True,
        valid={"uid": [*USER_UIDS.values(), USER_UIDS["ann"].upper(), UIDS.ellen]},
    ),
    "block": Endpoint(
        "post", "/uitpas/passholder/block/{value}", ["balieConsumerKey"], path_values="uitpasNumber"
    ),
    "card": Endpoint("get", "/uitpas/card", ["uitpasNumber", "chipNumber", "balieConsumerKey"], query=True),
    "uitpasPrices": Endpoint("get", "/uitpas/passholder/uitpasPrice", ["balieConsumerKey"], query=True),
    "price": Endpoint(
        "get",
        "/uitpas/price",
        ["uitpasNumber", "reason", "dateOfBirth", "postalCode", "voucherNumber", "balieConsumerKey"],
        query=True,
        valid={"reason": [*VALID["reason"], "FIRST_CARD", "REMOVAL"]},
    ),
}


@st.composite
def parameters(draw, endpoint: Endpoint) -> list[tuple[str, str]]:
    """Parameters in order, some missing, some unknown, some repeated."""
    pairs = []
    for name in endpoint.params + endpoint.extra:
        presence = draw(st.sampled_from(["valid", "valid", "fuzz", "absent", "repeated"]))
        if presence == "absent" or (name in endpoint.extra and presence == "valid"):
            continue
        valid = st.sampled_from(endpoint.valid.get(name) or VALID.get(name, [""]))
        pairs.append((name, draw(valid if presence == "valid" else values)))
        if presence == "repeated":
            pairs.append((name, draw(st.one_of(valid, values))))
    return draw(st.permutations(pairs)) if pairs else pairs


@st.composite
def flooded(draw, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Now and then, the parameters padded to about Django's limit of 1,000 (the request is
    413 above it) or far beyond it."""
    count = draw(st.sampled_from([0, 0, 0, 0, 0, 995, 1001, 3000]))
    return pairs + [(f"p{number}", "1") for number in range(count)]


def _xml_text(value: str) -> str:
    return (
        "".join(char for char in value if char in "\t\n\r" or ord(char) >= 0x20)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
    )


@st.composite
def bodies(draw, pairs: list[tuple[str, str]]) -> tuple[bytes, str | None]:
    """A request body and its content type: each way a client may send (or botch) it."""
    kind = draw(
        st.sampled_from(
            [
                "form",
                "form",
                "form-flood",
                "multipart",
                "xml",
                "xml-hostile",
                "xml-deep",
                "json",
                "text",
                "latin-1",
                "binary",
                "none",
            ]
        )
    )
    if kind == "form":
        return urllib.parse.urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    if kind == "form-flood":
        return urllib.parse.urlencode(draw(flooded(pairs))).encode(), "application/x-www-form-urlencoded"
    if kind == "multipart":
        boundary = "fuzzboundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in pairs
        ]
        return ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass"), (
            f"multipart/form-data; boundary={boundary}"
        )
    if kind == "xml":
        inner = "".join(f"<{name}>{_xml_text(value)}</{name}>" for name, value in pairs if name.isalpha())
        return f"<request>{inner}</request>".encode(), "application/xml"
    if kind == "xml-deep":
        # Around the limit of 32 levels, and the 1,000 levels of the 500.
        depth = draw(st.one_of(st.integers(1, 40), st.integers(900, 1200)))
        inner = "".join(f"<{name}>{_xml_text(value)}</{name}>" for name, value in pairs if name.isalpha())
        return f"<request>{inner}{'<a>' * depth}x{'</a>' * depth}</request>".encode(), "application/xml"
    if kind == "xml-hostile":
        entity = draw(
            st.sampled_from(['"lol"', 'SYSTEM "file:///etc/passwd"', 'SYSTEM "http://127.0.0.1:1/x"'])
        )
        return (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e {entity}>]><request><uid>&e;</uid></request>'
        ).encode(), ("application/xml")
    if kind == "json":
        return json.dumps(dict(pairs)).encode(), "application/json"
    if kind == "text":
        return "&".join(f"{n}={v}" for n, v in pairs).encode("utf-8", "surrogatepass"), "text/plain"
    if kind == "latin-1":
        return urllib.parse.urlencode(
            pairs
        ).encode() + b"&name=\xe9\xff\xfe", "application/x-www-form-urlencoded"
    if kind == "binary":
        return draw(st.binary(max_size=300)), draw(
            st.sampled_from(["application/x-www-form-urlencoded", "application/xml"])
        )
    return b"", None


def check_response(response, before, success_root: str = "response") -> str:
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/xml"), response["Content-Type"]
    root = ElementTree.fromstring(response.content)
    assert root.tag == (success_root if response.status_code == 200 else "response"), response.content
    if response.status_code == 200:
        # A success carries no error code (block says ACTION_SUCCEEDED) and has content.
        assert root.findtext("code") in (None, "ACTION_SUCCEEDED"), response.content
        assert len(root), response.content
        return "OK"
    code = root.findtext("code")
    assert code in DOCUMENTED, code
    assert root.findtext("message")
    assert database_state() == before, f"{code} changed the database"
    return code


class Counter:
    sent = 0


@pytest.fixture(autouse=True)
def no_throttle(settings):
    """Thousands of requests from a few users: the throttle is tested elsewhere."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000000/s"}}


@pytest.fixture
def fixed_user_uids(demo):
    for username, uid in USER_UIDS.items():
        UserIdentity.objects.filter(user__username=username).update(uid=uid)


@pytest.fixture(scope="module")
def sent():
    counter = Counter()
    yield counter
    print(f"\nfuzzing: {counter.sent} requests")


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_request_breaks_the_api_or_half_changes_the_database(
    demo, fixed_user_uids, api_as, sent, endpoint, data
):
    client = api_as(data.draw(st.sampled_from(["ann", "bert", "greet", "ksb-aalst", "admin"])))
    pairs = data.draw(parameters(endpoint))
    path = data.draw(st.sampled_from(["", "/uitid/rest"])) + endpoint.path
    if endpoint.path_values:
        value = data.draw(st.one_of(st.sampled_from(VALID[endpoint.path_values]), values))
        path = path.format(value=urllib.parse.quote(value, safe=""))
    method = data.draw(st.sampled_from([endpoint.method] * 9 + ["options"])).upper()
    with transaction.atomic():
        before = database_state()
        if endpoint.query:
            query = urllib.parse.urlencode(data.draw(flooded(pairs)))
            response = client.generic(method, f"{path}?{query}")
        else:
            body, content_type = data.draw(bodies(pairs))
            extra = {"CONTENT_TYPE": content_type} if content_type else {}
            response = client.generic(method, path, body, **extra)
        check_response(response, before, "response" if method == "OPTIONS" else endpoint.success_root)
        sent.sent += 1
        transaction.set_rollback(True)

"""The API contract at /uitpas/schema/: OpenAPI 3, every endpoint, every error code."""

import json
import re
from pathlib import Path

import yaml
from django.conf import settings

from cardsystems.api import PRICE_CHECKS
from passholders.api import NEW_CARD_CHECKS
from uitpas_site.api_docs import ERROR_MEANINGS
from uitpas_site.errors import ErrorCode

DOMAIN_TABLE_ORDER = [
    "MISSING_REQUIRED_FIELDS",
    "INVALID_PARAMETERS",
    "PARSE_INVALID_UITPASNUMBER",
    "PARSE_INVALID_VOUCHERNUMBER",
    "PARSE_INVALID_DATE",
    "INVALID_DATE_CONSTRAINTS",
    "UNKNOWN_BALIE_CONSUMERKEY",
    "ACCESS_DENIED",
    "UNKNOWN_CARD",
    "ACCESS_DENIED",
    "UNKNOWN_PASSHOLDER_UID",
    "UNKNOWN_VOUCHER",
    "INVALID_CARD_STATUS",
    "INVALID_CARD",
    "INVALID_VOUCHER_STATUS",
    "ACTION_FAILED",
]


def schema(client) -> dict:
    response = client.get("/uitpas/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def documented_codes(schema: dict) -> set[str]:
    """Every error code the OpenAPI document names (as `CODE`)."""
    text = str(schema)
    return {code.value for code in ErrorCode if f"`{code.value}`" in text}


def test_the_schema_is_public_openapi_3_in_yaml_and_json(db, client):
    document = schema(client)
    assert document["openapi"].startswith("3.")
    as_json = client.get("/uitpas/schema/?format=json")
    assert json.loads(as_json.content)["paths"] == document["paths"]


def test_the_schema_describes_every_api_endpoint(db, client):
    operations = {
        (path, method): operation["operationId"]
        for path, methods in schema(client)["paths"].items()
        for method, operation in methods.items()
    }
    assert operations == {
        ("/uitpas/passholder/newCard", "post"): "newCard",
        ("/uitpas/passholder/{uitpas_number}", "get"): "passholderByCard",
        ("/uitpas/passholder/uid/{uid}", "get"): "passholderByUid",
        ("/uitpas/balie/countCards", "get"): "countCards",
        ("/uitpas/balie/list", "get"): "baliesOfUser",
        ("/uitpas/passholder/block/{uitpas_number}", "post"): "blockCard",
        ("/uitpas/card", "get"): "card",
        ("/uitpas/passholder/uitpasPrice", "get"): "uitpasPrices",
        ("/uitpas/price", "get"): "uitpasPrice",
    }


def test_the_schema_lists_every_error_code_with_its_meaning(db, client):
    assert documented_codes(schema(client)) == {code.value for code in ErrorCode}
    assert set(ERROR_MEANINGS) == set(ErrorCode)


def test_new_card_documents_the_domain_error_table_in_its_order(db, client):
    assert [code.value for code, _ in NEW_CARD_CHECKS] == DOMAIN_TABLE_ORDER
    description = schema(client)["paths"]["/uitpas/passholder/newCard"]["post"]["responses"]["400"][
        "description"
    ]
    listed = re.findall(r"^\d+\. `([A-Z_]+)`", description, flags=re.MULTILINE)
    assert listed == DOMAIN_TABLE_ORDER


def test_the_passholder_lookups_document_the_v3_document_and_the_uid_404(db, client):
    paths = schema(client)["paths"]
    by_uid = paths["/uitpas/passholder/uid/{uid}"]["get"]
    listed = re.findall(r"^\d+\. `([A-Z_]+)`", by_uid["responses"]["400"]["description"], flags=re.MULTILINE)
    assert listed == [
        "UNKNOWN_BALIE_CONSUMERKEY",
        "ACCESS_DENIED",
        "UNKNOWN_PASSHOLDER_UID",
        "ACCESS_DENIED",
    ]
    assert "3. `UNKNOWN_PASSHOLDER_UID` (HTTP 404)" in by_uid["responses"]["400"]["description"]
    assert by_uid["responses"]["404"]["description"].startswith("`UNKNOWN_PASSHOLDER_UID`")
    by_card = paths["/uitpas/passholder/{uitpas_number}"]["get"]
    assert "UNKNOWN_PASSHOLDER_UID" not in by_card["responses"]["404"]["description"]
    for operation in (by_card, by_uid):
        assert "root is `passHolder`" in operation["description"]
        assert 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns"' in operation["description"]
    document = schema(client)["components"]["schemas"]["PassHolder"]["properties"]
    assert list(document) == [
        "cardSystemSpecific",
        "city",
        "dateOfBirth",
        "email",
        "firstName",
        "memberships",
        "name",
        "postalCode",
        "uitIdUser",
    ]
    assert list(schema(client)["components"]["schemas"]["UitIdUser"]["properties"]) == [
        "rdf:id",
        "optInPreferences",
    ]


def test_the_balie_list_documents_its_errors_and_the_v3_permission_names(db, client):
    operation = schema(client)["paths"]["/uitpas/balie/list"]["get"]
    listed = re.findall(
        r"^\d+\. `([A-Z_]+)`", operation["responses"]["400"]["description"], flags=re.MULTILINE
    )
    assert listed == ["MISSING_REQUIRED_FIELDS", "ACCESS_DENIED", "UNKNOWN_USER"]
    for name in ("`registratie`", "`blokkeren`", "`kansenstatuut toekennen`"):
        assert name in operation["description"]


PRICE_ORDER = [
    "MISSING_REQUIRED_FIELDS",
    "PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON",
    "PARSE_INVALID_UITPASNUMBER",
    "PARSE_INVALID_VOUCHERNUMBER",
    "PARSE_INVALID_DATE",
    "INVALID_DATE_CONSTRAINTS",
    "UNKNOWN_BALIE_CONSUMERKEY",
    "ACCESS_DENIED",
    "UNKNOWN_CARD",
    "ACCESS_DENIED",
    "UNKNOWN_VOUCHER",
    "BALIE_NOT_AUTHORIZED",
    "INVALID_VOUCHER_STATUS",
]


def test_the_price_endpoints_document_their_errors_in_their_order(db, client):
    assert [code.value for code, _ in PRICE_CHECKS] == PRICE_ORDER
    paths = schema(client)["paths"]
    price = paths["/uitpas/price"]["get"]
    listed = re.findall(r"^\d+\. `([A-Z_]+)`", price["responses"]["400"]["description"], flags=re.MULTILINE)
    assert listed == PRICE_ORDER
    assert "no `id`" in price["description"]
    prices = paths["/uitpas/passholder/uitpasPrice"]["get"]
    listed = re.findall(r"^\d+\. `([A-Z_]+)`", prices["responses"]["400"]["description"], flags=re.MULTILINE)
    assert listed == ["UNKNOWN_BALIE_CONSUMERKEY", "ACCESS_DENIED"]
    entity = schema(client)["components"]["schemas"]["UitpasPrice"]["properties"]
    assert list(entity) == [
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


def test_every_code_the_price_code_raises_is_documented_for_it():
    raised = raised_in("cardsystems/price_selectors.py", "cardsystems/uitpas_numbers.py")
    raised |= {"UNKNOWN_BALIE_CONSUMERKEY", "ACCESS_DENIED", "MISSING_REQUIRED_FIELDS"}  # shared selectors
    assert raised <= {code.value for code, _ in PRICE_CHECKS}


def raised_in(*sources: str) -> set[str]:
    """The error codes named in these source files."""
    return {
        code
        for source in sources
        for code in re.findall(r"ErrorCode\.([A-Z_]+)", (Path(settings.BASE_DIR) / source).read_text())
    }


def test_every_code_the_new_card_code_raises_is_documented_for_it():
    raised = raised_in(
        "passholders/services.py", "passholders/newcard_sql.py", "cardsystems/uitpas_numbers.py"
    )
    raised |= {"UNKNOWN_BALIE_CONSUMERKEY", "ACCESS_DENIED"}  # balie_acted_for, a shared selector
    assert raised <= {code.value for code, _ in NEW_CARD_CHECKS}


def test_every_code_the_api_code_can_raise_is_in_the_schema(db, client):
    raised = raised_in(
        "passholders/services.py",
        "passholders/selectors.py",
        "cardsystems/services.py",
        "cardsystems/selectors.py",
        "cardsystems/price_selectors.py",
        "cardsystems/uitpas_numbers.py",
        "uitpas_site/xml_api.py",
        "uitpas_site/middleware.py",
        "uitpas_site/views.py",
    )
    assert raised <= documented_codes(schema(client))


def test_the_documentation_page_works_offline(db, client):
    page = client.get("/uitpas/schema/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/uitpas/schema/" in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []
    scripts = re.findall(r"""<script src=["']([^"']+)""", html)
    assert any("swagger-ui-bundle" in script for script in scripts)
    assert all(client.get(script).status_code == 200 for script in scripts)

"""The API contract: pieces for drf-spectacular's OpenAPI document (``/uitpas/schema/``).

Every endpoint documents its domain errors in the order they are checked (the first
failing check decides the code), and every endpoint shares the failures of the request
itself (authentication, unknown URL, method, media type, size, rate, server error).
"""

from collections.abc import Collection

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from uitpas_site.errors import ErrorCode
from uitpas_site.xml_format import MAX_XML_DEPTH

# What each code means, wherever it is raised.
ERROR_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.MISSING_REQUIRED_FIELDS: "A required parameter is missing or blank.",
    ErrorCode.INVALID_PARAMETERS: "A parameter has a value outside its allowed values.",
    ErrorCode.PARSE_INVALID_UITPASNUMBER: "Not a UiTPAS number: `0` + 12 digits, 12th digit 0 or 1, Luhn check digit.",
    ErrorCode.PARSE_INVALID_VOUCHERNUMBER: "A voucher number is a string of digits.",
    ErrorCode.PARSE_INVALID_DATE: (
        "Not a W3C date: `YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.s]]TZD` with TZD `Z` or `±hh:mm` "
        "(the calendar date as written counts)."
    ),
    ErrorCode.INVALID_DATE_CONSTRAINTS: "The date is outside its allowed range.",
    ErrorCode.UNKNOWN_BALIE_CONSUMERKEY: "No balie has that consumer key.",
    ErrorCode.ACCESS_DENIED: "You may not do this; `requiredPermission` names the right it needs.",
    ErrorCode.UNKNOWN_CARD: "No card has that number.",
    ErrorCode.UNKNOWN_PASSHOLDER_UID: "No passholder has that uid.",
    ErrorCode.UNKNOWN_VOUCHER: "No voucher with that number in the card's card system.",
    ErrorCode.INVALID_CARD_STATUS: "The card's status does not allow this.",
    ErrorCode.INVALID_CARD: "The card does not fit: another balie's stock, kansenpas/kansenstatuut, membership.",
    ErrorCode.INVALID_VOUCHER_STATUS: "The voucher was already redeemed.",
    ErrorCode.ACTION_FAILED: "The membership does not allow this (blocked, or kansenstatuut does not fit).",
    ErrorCode.UNKNOWN_UITPASNUMBER: "No card has that UiTPAS number.",
    ErrorCode.UNKNOWN_CHIPNUMBER: "No card has that chip number.",
    ErrorCode.UNKNOWN_USER: "No user has that uid.",
    ErrorCode.PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON: "reason is not one of the reasons a card is sold for.",
    ErrorCode.BALIE_NOT_AUTHORIZED: "The card is not assigned to the acting balie.",
    ErrorCode.PARSE_ERROR: (
        f"The request could not be read: malformed XML, XML with a DTD, XML nested deeper than {MAX_XML_DEPTH} "
        "elements, a broken multipart body."
    ),
    ErrorCode.NOT_AUTHENTICATED: (
        "No credentials: sign the request with OAuth 1.0a, or send `Authorization: Token <key>` "
        "(`WWW-Authenticate` names both)."
    ),
    ErrorCode.AUTHENTICATION_FAILED: (
        "Credentials refused: an unknown or revoked token, an inactive user; with OAuth also a token of "
        "another consumer, a wrong signature, a timestamp more than 10 minutes off or a nonce used before "
        "(`WWW-Authenticate` names the scheme that refused)."
    ),
    ErrorCode.NOT_FOUND: "No endpoint at this URL.",
    ErrorCode.METHOD_NOT_ALLOWED: "The endpoint does not take this HTTP method (`Allow` lists those it takes).",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "The body is not form-encoded, multipart or XML.",
    ErrorCode.REQUEST_TOO_LARGE: (
        f"The body is larger than the API accepts ({settings.API_MAX_BODY_BYTES:,} bytes), or the request has "
        f"more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters (in the query string or in the body) "
        f"or more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files."
    ),
    ErrorCode.THROTTLED: "Too many requests; `Retry-After` says how many seconds to wait.",
    ErrorCode.INTERNAL_ERROR: "An unexpected error; nothing was changed, the details are logged.",
}

REQUEST_FAILURES: dict[int, list[ErrorCode]] = {
    401: [ErrorCode.NOT_AUTHENTICATED, ErrorCode.AUTHENTICATION_FAILED],
    404: [ErrorCode.NOT_FOUND],
    405: [ErrorCode.METHOD_NOT_ALLOWED],
    413: [ErrorCode.REQUEST_TOO_LARGE],
    415: [ErrorCode.UNSUPPORTED_MEDIA_TYPE],
    429: [ErrorCode.THROTTLED],
    500: [ErrorCode.INTERNAL_ERROR],
}

# A card system as the responses name it.
CARD_SYSTEM_REF = inline_serializer(
    name="CardSystemRef", fields={"id": serializers.IntegerField(), "name": serializers.CharField()}
)

ERROR_BODY = inline_serializer(
    name="Error",
    fields={
        "code": serializers.ChoiceField(choices=[code.value for code in ErrorCode]),
        "message": serializers.CharField(help_text="For people, in the language of Accept-Language."),
        "requiredPermission": serializers.CharField(
            required=False, help_text="With ACCESS_DENIED: the right that is needed."
        ),
    },
)


def error_responses(
    checks: list[tuple[ErrorCode, str]], *, answered_404: Collection[ErrorCode] = ()
) -> dict[int, OpenApiResponse]:
    """The 400 response with the endpoint's ``checks`` (code, when) in the order they
    are checked, and the failures every endpoint shares. A code in ``answered_404``
    comes with HTTP 404 instead of 400 (as the v3 API answers an unknown uid); the table
    says so and the 404 response lists it."""
    table = "\n".join(
        f"{number}. `{code}`{' (HTTP 404)' if code in answered_404 else ''}: {when}"
        for number, (code, when) in enumerate(checks, start=1)
    )
    responses = {
        400: OpenApiResponse(
            ERROR_BODY,
            description="A domain error or an unparseable body. Checked in this order; the first failing "
            f"check decides the code:\n\n{table}\n\nor `PARSE_ERROR`: {ERROR_MEANINGS[ErrorCode.PARSE_ERROR]}",
            examples=[
                OpenApiExample(
                    "ACCESS_DENIED",
                    value={
                        "code": "ACCESS_DENIED",
                        "message": "Toneelvereniging Haaltert may not register new cards in UiTPAS Regio Aalst.",
                        "requiredPermission": "PERMISSION_PASSHOLDER - ACTION_CREATE",
                    },
                )
            ],
        )
    }
    for status, codes in REQUEST_FAILURES.items():
        if status == 404:
            codes = [*answered_404, *codes]
        responses[status] = OpenApiResponse(
            ERROR_BODY, description="\n".join(f"`{code}`: {ERROR_MEANINGS[code]}" for code in codes)
        )
    return responses


class OAuthScheme(OpenApiAuthenticationExtension):
    """OAuth 1.0a in the contract. OpenAPI 3 has no type for it: an HTTP scheme named
    ``OAuth``, described."""

    target_class = "uitpas_site.authentication.OAuthAuthentication"
    name = "oauth1"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "OAuth",
            "description": (
                "OAuth 1.0a (RFC 5849), as the UiTPAS v3 clients sign: a consumer key and secret and a "
                "user access token and token secret, HMAC-SHA1 or HMAC-SHA256, in the `Authorization: "
                "OAuth …` header, the query string or a form body. Timestamps within 10 minutes; a nonce "
                "is accepted once. Tokens come from the three-legged flow (`POST /uitid/rest/requestToken`, "
                "`GET /uitid/rest/auth/authorize`, `POST /uitid/rest/accessToken`), a superuser in the "
                "admin, or `manage.py oauth_credentials`."
            ),
        }


def without_v3_aliases(endpoints, **kwargs):
    """Every endpoint also answers under /uitid/rest/uitpas/… (the v3 clients' endpoint);
    the contract lists each once, under /uitpas/, and says so in its description."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/uitid/rest/")]

"""The coded errors of the UiTPAS API, raised by services and rendered by every door.

The codes are the API's (``docs/domain.md``), so the admin and the XML API always
give the same code for the same mistake. A service raises :class:`UitpasError`; the API
renders it as ``<response><code/><message/>[<requiredPermission/>]</response>`` with
HTTP 400 (or the ``http_status`` it names), the admin shows it on the form field named
by ``field``.
"""

from enum import StrEnum

from django import forms
from django.utils.functional import Promise


class ErrorCode(StrEnum):
    # Domain errors of newCard, in the order they are checked.
    MISSING_REQUIRED_FIELDS = "MISSING_REQUIRED_FIELDS"
    INVALID_PARAMETERS = "INVALID_PARAMETERS"
    PARSE_INVALID_UITPASNUMBER = "PARSE_INVALID_UITPASNUMBER"
    PARSE_INVALID_VOUCHERNUMBER = "PARSE_INVALID_VOUCHERNUMBER"
    PARSE_INVALID_DATE = "PARSE_INVALID_DATE"
    INVALID_DATE_CONSTRAINTS = "INVALID_DATE_CONSTRAINTS"
    UNKNOWN_BALIE_CONSUMERKEY = "UNKNOWN_BALIE_CONSUMERKEY"
    ACCESS_DENIED = "ACCESS_DENIED"
    UNKNOWN_CARD = "UNKNOWN_CARD"
    UNKNOWN_PASSHOLDER_UID = "UNKNOWN_PASSHOLDER_UID"
    UNKNOWN_VOUCHER = "UNKNOWN_VOUCHER"
    INVALID_CARD_STATUS = "INVALID_CARD_STATUS"
    INVALID_CARD = "INVALID_CARD"
    INVALID_VOUCHER_STATUS = "INVALID_VOUCHER_STATUS"
    ACTION_FAILED = "ACTION_FAILED"
    # Card look-ups by number (block, card): the UiTPAS API names them so.
    UNKNOWN_UITPASNUMBER = "UNKNOWN_UITPASNUMBER"
    UNKNOWN_CHIPNUMBER = "UNKNOWN_CHIPNUMBER"
    # The balie list: no user has that uid.
    UNKNOWN_USER = "UNKNOWN_USER"
    # The price of a registration (v3 ``GET /uitpas/price``): a reason outside the list,
    # a card that is not assigned to the acting balie.
    PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON = "PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON"
    BALIE_NOT_AUTHORIZED = "BALIE_NOT_AUTHORIZED"

    # Failures of the request itself rather than of the operation (HTTP status != 400
    # except PARSE_ERROR); the API documents them next to the domain codes.
    PARSE_ERROR = "PARSE_ERROR"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    THROTTLED = "THROTTLED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class UitpasError(Exception):
    """A refused operation: the API's error code, a message for people, and where it
    belongs (the service's keyword ``field``; None for the whole request).

    ``http_status`` is the API's status for it: 400, except where the v3 API answered
    the same code otherwise (an unknown uid on the passholder lookup is a 404 there,
    while newCard answers it with 400)."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | Promise,
        *,
        field: str | None = None,
        required_permission: str | None = None,
        http_status: int = 400,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.required_permission = required_permission
        self.http_status = http_status


def add_refusal(form: forms.BaseForm, error: UitpasError) -> None:
    """Show a service's refusal as "CODE: message" on the field it names, or on the
    whole form; every form of the back-office shows refusals so."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))

"""How the API fails: every failure is an XML error with a code, never HTML.

Every response under ``/uitpas/`` is an XML document. A failure has root ``response`` (so
has every success but a document that names its own root, ``xml_format.XMLDocument``) and
carries ``code`` and ``message`` (and ``requiredPermission`` for ACCESS_DENIED). Never an
HTML page, never a traceback. DRF's exception handling is used as it is (including its
``set_rollback()``), only the body is ours. The format itself is in ``xml_format``.
"""

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import set_rollback

from uitid.models import AccessToken
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.xml_format import UitpasXMLRenderer

logger = logging.getLogger("uitpas.api")

# The API answers under /uitpas/ and, for the v3 clients, under /uitid/rest/ (where the
# OAuth flow's endpoints are too).
API_PREFIXES = ("/uitpas/", "/uitid/rest/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def request_params(request: Request) -> dict[str, str | None]:
    """The request's body parameters as strings; the first value of a repeated one.

    A body that parses to something other than a mapping (an XML document with no
    child elements, say) has no parameters.
    """
    data = request.data
    if not isinstance(data, Mapping):
        return {}
    params = {}
    for name in data:
        value = data.getlist(name)[0] if hasattr(data, "getlist") else data[name]
        params[name] = value if value is None or isinstance(value, str) else str(value)
    return params


def balie_consumer_key(request: Request, given: str | None) -> str | None:
    """The balie a request names: ``balieConsumerKey`` as given; when it is absent or
    blank and the request is signed by a balie's own OAuth consumer, that balie (the v3
    rule: "by default the consumer key of the OAuth request is used")."""
    if given is not None and given.strip():
        return given
    if isinstance(request.auth, AccessToken) and request.auth.consumer.balie_id is not None:
        return request.auth.consumer.key
    return given


def error_body(
    code: ErrorCode, message: str | Promise, required_permission: str | None = None
) -> dict[str, str | None]:
    return {"code": code.value, "message": str(message), "requiredPermission": required_permission}


def error_response(
    code: ErrorCode,
    message: str | Promise,
    status: int,
    *,
    required_permission: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(error_body(code, message, required_permission), status=status, headers=headers)


_API_EXCEPTION_CODES: list[tuple[type[exceptions.APIException], ErrorCode]] = [
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.AUTHENTICATION_FAILED),
    (exceptions.PermissionDenied, ErrorCode.ACCESS_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (exceptions.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, ErrorCode.THROTTLED),
    (exceptions.ParseError, ErrorCode.PARSE_ERROR),
    (exceptions.ValidationError, ErrorCode.INVALID_PARAMETERS),
]


def xml_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception handler for the whole API: every exception becomes an XML error."""
    set_rollback()
    if isinstance(exc, UitpasError):
        return error_response(
            exc.code, exc.message, exc.http_status, required_permission=exc.required_permission
        )
    if isinstance(exc, SuspiciousOperation | BadRequest):
        if isinstance(exc, SuspiciousOperation):
            # Django logs the requests it refuses so; DRF caught this one before Django could.
            logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        return error_response(*bad_request_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        headers = {}
        challenge = _challenge(exc, context.get("request"))
        if challenge:
            headers["WWW-Authenticate"] = challenge
        wait: float | None = getattr(exc, "wait", None)  # Throttled's
        if wait:
            headers["Retry-After"] = str(int(wait))
        code = next(
            (code for cls, code in _API_EXCEPTION_CODES if isinstance(exc, cls)),
            ErrorCode.INVALID_PARAMETERS if exc.status_code == 400 else ErrorCode.INTERNAL_ERROR,
        )
        return error_response(code, _detail_text(exc.detail), exc.status_code, headers=headers)
    logger.exception("Unexpected error in %s", context.get("view").__class__.__name__)
    return error_response(ErrorCode.INTERNAL_ERROR, _("An unexpected error occurred."), 500)


def bad_request_error(exc: Exception) -> tuple[ErrorCode, str, int]:
    """The API's answer to a request that Django refuses as a bad request (its 400): too
    many parameters or files is 413 REQUEST_TOO_LARGE, like a body over the size limit;
    anything else (a host not allowed, a broken multipart body) is 400 PARSE_ERROR."""
    if isinstance(exc, TooManyFieldsSent):
        message = _("The request has more than %(limit)d parameters.")
        return ErrorCode.REQUEST_TOO_LARGE, message % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}, 413
    if isinstance(exc, TooManyFilesSent):
        message = _("The request has more than %(limit)d files.")
        return ErrorCode.REQUEST_TOO_LARGE, message % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}, 413
    return ErrorCode.PARSE_ERROR, _("The request could not be read."), 400


def _challenge(exc: exceptions.APIException, request: Request | None) -> str | None:
    """``WWW-Authenticate``: the scheme that refused the credentials; every scheme the API
    accepts when none were given."""
    challenge: str | None = getattr(exc, "challenge", None)  # CredentialsRefused's
    if challenge:
        return challenge
    if isinstance(exc, exceptions.NotAuthenticated) and request is not None:
        # Every scheme of the API's own: BaseAuthentication subclasses with a header.
        schemes = (
            auth.authenticate_header(request)
            for auth in request.authenticators or ()
            if isinstance(auth, BaseAuthentication)
        )
        return ", ".join(scheme for scheme in schemes if scheme)
    return getattr(exc, "auth_header", None)


def _detail_text(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_detail_text(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_detail_text(value)}" for key, value in detail.items())
    return str(detail)


def xml_http_response(code: ErrorCode, message: str, status: int) -> HttpResponse:
    """An XML error outside DRF's views (Django's own 404/500 handlers)."""
    body = UitpasXMLRenderer().render(error_body(code, message))
    return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any URL under /uitpas/ that names no endpoint."""
    return xml_http_response(ErrorCode.NOT_FOUND, _("No API endpoint at this URL."), 404)

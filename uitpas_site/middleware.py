"""Middleware of the project."""

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from uitpas_site.errors import ErrorCode


def api_body_limit(get_response):
    """Refuse an API request whose body is larger than ``API_MAX_BODY_BYTES`` with an
    XML 413, before anything reads or parses it."""
    # Imported when the middleware is built, not with this module: the XML API pulls in
    # DRF and the apps' models, and the audit log imports current_request from here.
    from uitpas_site.xml_api import is_api_path, xml_http_response

    def middleware(request: HttpRequest) -> HttpResponse:
        if is_api_path(request.path):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return xml_http_response(ErrorCode.PARSE_ERROR, _("Invalid Content-Length header."), 400)
            if length > settings.API_MAX_BODY_BYTES:
                return xml_http_response(
                    ErrorCode.REQUEST_TOO_LARGE,
                    _("The request body is larger than %(limit)d bytes.")
                    % {"limit": settings.API_MAX_BODY_BYTES},
                    413,
                )
        return get_response(request)

    return middleware


def health_check(get_response):
    """``GET /healthz`` answered before anything else: a load balancer probes each
    machine by its address, which is no host name the site serves (a 400 from the host
    check otherwise), and over plain HTTP (no redirect to HTTPS)."""
    from uitpas_site.views import healthz

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return healthz(request)
        return get_response(request)

    return middleware


# The request being served, for code that runs without it being passed along: the audit
# log's signal receivers, inside django-guardian's and DRF's admin screens.
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("acting_request", default=None)


def acting_request(get_response: Callable[[HttpRequest], HttpResponse]):
    """Makes the request known (:func:`current_request`) while it is served."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return get_response(request)
        finally:
            _request.reset(token)

    return middleware


def current_request() -> HttpRequest | None:
    """The request being served; None on the command line."""
    return _request.get()

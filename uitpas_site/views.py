"""Project-wide views: the home redirect, and the error pages: XML under the API's
prefixes, the admin's frame everywhere else (the whole site is the back-office)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from uitpas_site.errors import ErrorCode
from uitpas_site.xml_api import bad_request_error, is_api_path, xml_http_response


def home(request: HttpRequest) -> HttpResponse:
    return redirect("admin:index")


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when this process can reach the database, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def login_locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a login that is locked out: the admin's login page frame
    with a plain explanation (429)."""
    from django.conf import settings
    from django.contrib import admin

    context = {
        **admin.site.each_context(request),
        "title": _("Too many wrong passwords"),
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/login_locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's answer to a request it refuses (too many parameters, a host not allowed)
    outside DRF's views: the OAuth flow's endpoints read their parameters themselves."""
    if is_api_path(request.path):
        return xml_http_response(*bad_request_error(exception))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return xml_http_response(ErrorCode.ACCESS_DENIED, _("You may not do this."), 403)
    return _error_page(request, "admin/errors/403.html", _("No access"), 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that had expired (or from another site): the admin's frame,
    with what to do, rather than Django's bare page."""
    if is_api_path(request.path):
        # Django's bare 403 page, which shows no reason.
        return defaults.permission_denied(request, PermissionDenied(reason))
    return _error_page(request, "admin/errors/csrf.html", _("The page had expired"), 403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return xml_http_response(ErrorCode.NOT_FOUND, _("No API endpoint at this URL."), 404)
    return _error_page(request, "admin/errors/404.html", _("Page not found"), 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return xml_http_response(ErrorCode.INTERNAL_ERROR, _("An unexpected error occurred."), 500)
    # Nothing that might need the database (the person, the menu): it may be what failed.
    context = {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "title": _("Error"),
    }
    return HttpResponse(loader.render_to_string("admin/errors/500.html", context), status=500)


def _error_page(request: HttpRequest, template: str, title: str, status: int) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": title}
    return render(request, template, context, status=status)

"""The three-legged flow of OAuth 1.0a, as the v3 clients call it (``getRequestToken``,
``getUrlAuthorize``, ``getAccessToken`` of the PHP client):

1. ``POST /uitid/rest/requestToken``, signed by the consumer, with its ``oauth_callback``
   (or none: then the consumer's configured callback, or ``oob``);
2. ``GET /uitid/rest/auth/authorize?oauth_token=…``: the person logs in with the
   back-office login and approves (or refuses) the application;
3. ``POST /uitid/rest/accessToken``, signed with the request token, with
   ``oauth_verifier``: ``userId``, ``oauth_token`` and ``oauth_token_secret``.

Steps 1 and 3 answer form-encoded bodies, as OAuth prescribes; their failures are the
API's XML (401 AUTHENTICATION_FAILED with ``WWW-Authenticate: OAuth``).
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from uitid import oauth, services
from uitid.formats import KEY_LENGTH
from uitid.models import RequestToken
from uitpas_site.errors import ErrorCode
from uitpas_site.users import signed_in_user
from uitpas_site.xml_api import xml_http_response

_FORM = "application/x-www-form-urlencoded"


@csrf_exempt
def request_token(request: HttpRequest) -> HttpResponse:
    return _flow_step(request, oauth.issue_request_token)


@csrf_exempt
def access_token(request: HttpRequest) -> HttpResponse:
    return _flow_step(request, oauth.exchange_for_access_token)


def _flow_step(request: HttpRequest, step) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        response = xml_http_response(ErrorCode.METHOD_NOT_ALLOWED, _("Use POST (or GET)."), 405)
        response["Allow"] = "GET, POST"
        return response
    try:
        with transaction.atomic():
            body = step(request)
    except oauth.OAuthRefused as refused:
        response = xml_http_response(ErrorCode.AUTHENTICATION_FAILED, refused.message, 401)
        response["WWW-Authenticate"] = oauth.CHALLENGE
        return response
    return HttpResponse(body, content_type=_FORM)


@require_http_methods(["GET", "POST"])
# The approval is a form whose answer redirects to the application's callback, on
# another site: the policy's form-action must allow that (browsers apply it to redirects).
@csp_override({**settings.SECURE_CSP, "form-action": [CSP.SELF, "https:", "http:"]})
def authorize(request: HttpRequest) -> HttpResponse:
    """The person approves or refuses an application's request token (step 2)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    pending = oauth.pending_request_token(request.GET.get("oauth_token", "")[:KEY_LENGTH])
    if pending is None or pending.user_id is not None:
        return _page(request, "unknown", status=400)
    if request.method == "POST":
        return _decide(request, pending)
    return _page(request, "ask", consumer=pending.consumer, person=request.user)


def _page(request: HttpRequest, state: str, *, status: int = 200, **context) -> HttpResponse:
    # The back-office's frame (its name, the person's menu), as the admin pages have it.
    context = {
        **admin.site.each_context(request),
        "title": _("Approve an application"),
        "state": state,
        **context,
    }
    return render(request, "uitid/authorize.html", context, status=status)


def _decide(request: HttpRequest, pending: RequestToken) -> HttpResponse:
    hint = request.GET.get("oauth_callback")
    if "approve" not in request.POST:
        back = services.refuse_request_token(request_token=pending, callback_hint=hint)
        if back:
            return HttpResponseRedirect(back)
        return _page(request, "refused")
    approval = services.approve_request_token(
        request_token=pending, user=signed_in_user(request), callback_hint=hint
    )
    if approval.redirect:
        return HttpResponseRedirect(approval.redirect)
    return _page(request, "approved", verifier=approval.verifier)

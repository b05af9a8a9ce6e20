from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.negotiation import DefaultContentNegotiation

from uitpas_site import views
from uitpas_site.xml_api import api_not_found

admin.site.site_header = _("UiTPAS back-office")
admin.site.site_title = _("UiTPAS back-office")
admin.site.index_title = _("Overview")
# The back-office is the whole site: no "View site" link.
admin.site.site_url = None

API_URLS = [path("", include("passholders.urls")), path("", include("cardsystems.urls"))]

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("uitpas/", include(API_URLS)),
    # The v3 clients are configured with the endpoint {server}/uitid/rest/: the same API
    # there, and the OAuth flow (request token, the person's approval, access token).
    path("uitid/rest/uitpas/", include((API_URLS, "v3"))),
    path("uitid/rest/", include("uitid.urls")),
    # The API contract (OpenAPI 3) and its documentation page; public, like any contract.
    path(
        "uitpas/schema/",
        SpectacularAPIView.as_view(content_negotiation_class=DefaultContentNegotiation),
        name="api-schema",
    ),
    path(
        "uitpas/schema/docs/",
        # Its script a file of its own and no inline style: it works under the CSP.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # Anything else under the API's prefixes is an XML 404, never Django's HTML page.
    re_path(r"^uitpas(?:/.*)?$", api_not_found),
    re_path(r"^uitid/rest(?:/.*)?$", api_not_found),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.not_found
handler500 = views.server_error

from django.contrib import admin
from django.urls import include, path, re_path

from uitpas_site import views
from uitpas_site.xml_api import api_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("uitpas/", include("passholders.urls")),
    path("uitpas/", include("cardsystems.urls")),
    # Anything else under /uitpas/ is an XML 404, never Django's HTML page.
    re_path(r"^uitpas(?:/.*)?$", api_not_found),
]

handler404 = views.not_found
handler500 = views.server_error

"""The guide for clerks and administrators (*Handleiding*), a page of the admin.

Its text is the template ``templates/admin/guide.html``, in Dutch (the language of the
counters), with screenshots from ``static/guide/``; ``docs/handleiding.md`` points
here. Every person who may log in to the back-office may read it.
"""

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

# The screenshots the guide shows, in static/guide/ (a test checks each exists).
SCREENSHOTS = (
    "balie-1-opzoeken.png",
    "balie-2-pashouder.png",
    "balie-3-voorbeeld.png",
    "balie-4-bevestigd.png",
    "balie-5-blokkeren.png",
    "voorraad-importeren.png",
    "voorraad-per-balie.png",
    "ontvangsten-per-balie.png",
)


def urls(site: AdminSite) -> list[URLPattern]:
    def guide(request: HttpRequest) -> HttpResponse:
        context = {**site.each_context(request), "title": _("Guide")}
        return TemplateResponse(request, "admin/guide.html", context)

    return [path("guide/", site.admin_view(guide), name="guide")]

"""Refusals and errors of the back-office are pages in its frame and its reader's language
(the header, the way home, the language switch); the API's paths keep their XML."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from tests.conftest import error_code
from uitpas_site import views

DUTCH, ENGLISH = {"Accept-Language": "nl-BE"}, {"Accept-Language": "en-GB"}


def in_the_frame(page: str) -> bool:
    return all(part in page for part in ('id="header"', 'id="language-switch"', 'href="/admin/"'))


@pytest.mark.parametrize(
    ("headers", "title"), [(DUTCH, "Geen toegang"), (ENGLISH, "No access")], ids=["nl", "en"]
)
def test_a_page_one_may_not_open_says_so_in_the_frame(demo, admin_as, headers, title):
    response = admin_as("ann").get("/admin/cardsystems/card/generate/", headers=headers)
    page = response.content.decode()
    assert response.status_code == 403
    assert in_the_frame(page) and f"<h1>{title}</h1>" in page
    assert "403 Forbidden" not in page


@pytest.mark.parametrize("path", ["/admin/no-such-page/", "/no-such-page/"])
def test_a_missing_page_is_in_the_frame(demo, admin_as, path):
    response = admin_as("ann").get(path, headers=DUTCH)
    assert response.status_code == 404
    assert in_the_frame(response.content.decode())
    assert "<h1>Pagina niet gevonden</h1>" in response.content.decode()


def test_an_expired_form_is_explained_in_the_frame(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "ann", "password": "demo"}, headers=DUTCH)
    page = response.content.decode()
    assert response.status_code == 403
    assert in_the_frame(page) and "<h1>De pagina was verlopen</h1>" in page


def test_a_server_error_is_in_the_frame_without_asking_the_database():
    # No database fixture: a query would fail the test.
    with translation.override("en"):  # as LocaleMiddleware would
        response = views.server_error(RequestFactory().get("/admin/cardsystems/card/"))
    assert response.status_code == 500
    assert 'id="header"' in response.content.decode()
    assert "went wrong on our side" in response.content.decode()


def test_the_api_keeps_its_xml(demo, api_as):
    assert error_code(api_as("ann").get("/uitpas/no-such-endpoint")) == "NOT_FOUND"
    response = views.server_error(RequestFactory().get("/uitpas/passholder/newCard"))
    assert (response.status_code, error_code(response)) == (500, "INTERNAL_ERROR")
    response = views.permission_denied(RequestFactory().get("/uitpas/balie/list"), None)
    assert (response.status_code, error_code(response)) == (403, "ACCESS_DENIED")

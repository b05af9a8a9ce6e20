import os
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cardsystems.models import Balie, Card, CardHistory, CardSystem, Sale, UitpasPrice, Voucher
from passholders import demo as demo_data
from passholders.demo import load_demo_data
from passholders.models import Membership, Passholder

SEED_REQUEST = {
    "uitpasNumber": "0930000000107",
    "uid": "8d80e3b6-80a2-4e2f-8bbb-cd2a72809d77",
    "reason": "LOSS_KANSENSTATUUT",
    "balieConsumerKey": "28808C2F-0DB2-D2CF-F508ECB994D2505F",
}
SEED_RESPONSE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b"<response>\n"
    b"\t<message>8d80e3b6-80a2-4e2f-8bbb-cd2a72809d77</message>\n"
    b"\t<resource>/uitpas/passholder/0930000000107</resource>\n"
    b"</response>"
)

# The demo's balie keys and passholder uids, by the names tests use: from the demo data
# set itself (passholders.demo), so that they are written once.
KEYS = SimpleNamespace(
    bib_aalst=demo_data.BALIES[demo_data.BIB_AALST][0],
    de_werf=demo_data.BALIES[demo_data.DE_WERF][0],
    toneel=demo_data.BALIES[demo_data.TONEEL][0],
    bib_gent=demo_data.BALIES[demo_data.BIB_GENT][0],
)
UIDS = SimpleNamespace(**{holder.first_name.lower(): holder.uid for holder in demo_data.PASSHOLDERS})


# Property-based tests: a bounded run in make test, a long one in make fuzz.
hypothesis_settings.register_profile("ci", max_examples=150, deadline=None)
hypothesis_settings.register_profile("fuzz", max_examples=4000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    """Tests about one database (races under PostgreSQL's row locks; SQLite's own
    locking) run in the pass of make test on that database and are deselected in the
    other; the summary says how many.

    The browser tests (tests/browser/) run in the SQLite pass only: they test what a
    page shows and does in Chromium, and what the database decides behind it is tested
    on both databases by the other tests; twice they would cost make test a minute."""
    browser = Path(__file__).parent / "browser"
    for item in items:
        if browser in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.sqlite)
    other = "sqlite" if connection.vendor == "postgresql" else "postgres"
    elsewhere = [item for item in items if item.get_closest_marker(other)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the demo data set: loaded once, not per test (a
    test's changes roll back with its transaction), which saves a sixth of a second a
    test. A test that needs an empty database deletes what it must not see."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        load_demo_data()


@pytest.fixture
def demo(db):
    """The demo data set, with handles on what tests talk about. Loaded again only when
    a transactional test (they run last) emptied the database at its end."""
    if not CardSystem.objects.filter(name="UiTPAS Regio Aalst").exists():
        load_demo_data()
    return SimpleNamespace(
        aalst=CardSystem.objects.get(name="UiTPAS Regio Aalst"),
        gent=CardSystem.objects.get(name="UiTPAS Gent"),
        bib_aalst=Balie.objects.get(consumer_key=KEYS.bib_aalst),
        de_werf=Balie.objects.get(consumer_key=KEYS.de_werf),
        toneel=Balie.objects.get(consumer_key=KEYS.toneel),
        bib_gent=Balie.objects.get(consumer_key=KEYS.bib_gent),
        user=lambda username: get_user_model().objects.get(username=username),
        passholder=lambda uid: Passholder.objects.get(uid=uid),
        card=lambda number: Card.objects.get(uitpas_number=number),
    )


@pytest.fixture
def api_as():
    """An API client authenticated with the token of the named user."""

    def client_for(username: str | None) -> APIClient:
        client = APIClient()
        if username is not None:
            user = get_user_model().objects.get(username=username)
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def admin_as():
    """A test client of the admin, logged in as the named user."""

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return client_for


def xml_of(response):
    """The parsed XML body of an API response; fails the test when it is not XML."""
    assert response["Content-Type"].startswith("application/xml"), response["Content-Type"]
    return ElementTree.fromstring(response.content)


def error_code(response) -> str:
    return xml_of(response).findtext("code")


def database_state():
    """Everything newCard may change, and the price lists and sales."""
    return (
        list(Card.objects.order_by("pk").values_list("pk", "status", "balie", "passholder")),
        list(
            Membership.objects.order_by("pk").values_list(
                "pk", "status", "current_card", "kansenstatuut", "kansenstatuut_end_date"
            )
        ),
        list(Voucher.objects.order_by("pk").values_list("pk", "redeemed_at", "redeemed_card")),
        CardHistory.objects.count(),
        list(UitpasPrice.objects.order_by("pk").values_list("pk", "age_from", "age_to", "price")),
        Sale.objects.count(),
    )


def change_form_data(response, **changes) -> dict:
    """The POST data of an admin change page as it was rendered to someone who may save
    it (the form, its inlines and their management forms), with ``changes``: a post that
    is refused with this data is refused for the right reason, not as an invalid form."""
    data = {}

    def add(form) -> None:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return {**data, **changes}

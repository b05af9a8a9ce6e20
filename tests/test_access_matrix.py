"""The access matrix, tried as an attacker would: every endpoint and admin page with no
login, with the token of a user of another card system, for a balie one does not work
at, as an inactive user, with a deleted token; crafted URLs and crafted
``_selected_action`` ids for another card system's objects; admin changes without CSRF.

Each row is one attempt. A refused attempt changes nothing; the control rows at the end
of each table show that the same request is allowed for the right person.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cardsystems.models import Card, Sale, UitpasPrice
from cardsystems.price_selectors import price_of_registration
from cardsystems.sale_services import record_sale
from passholders.models import Passholder
from tests.conftest import KEYS, SEED_REQUEST, UIDS, change_form_data, database_state, error_code
from uitid.services import uid_of

NEW_CARD = "/uitpas/passholder/newCard"
BALIE_LIST = "/uitpas/balie/list"
PRICE, PRICES = "/uitpas/price", "/uitpas/passholder/uitpasPrice"
ASK_PRICE = {"uitpasNumber": "0930000000305", "reason": "LOSS_THEFT", "balieConsumerKey": KEYS.bib_aalst}
# A Regio Aalst card in Bibliotheek Aalst's stock, and Marc's Gent card.
AALST_STOCK, AALST_ACTIVE, GENT_ACTIVE = "0930000000206", "0930056878802", "0945000000105"


@dataclass
class Attempt:
    actor: str  # username; "anonymous"; "inactive:<user>"; "deleted-token:<user>"
    method: str
    path: str
    data: dict = field(default_factory=dict)
    expected: tuple = (200, None)  # (HTTP status, API code)


API = {
    # newCard
    "newCard, no token": Attempt("anonymous", "post", NEW_CARD, SEED_REQUEST, (401, "NOT_AUTHENTICATED")),
    "newCard, deleted token": Attempt(
        "deleted-token:ann", "post", NEW_CARD, SEED_REQUEST, (401, "AUTHENTICATION_FAILED")
    ),
    "newCard, inactive user": Attempt(
        "inactive:ann", "post", NEW_CARD, SEED_REQUEST, (401, "AUTHENTICATION_FAILED")
    ),
    "newCard, for a balie one does not work at": Attempt(
        "bert", "post", NEW_CARD, SEED_REQUEST, (400, "ACCESS_DENIED")
    ),
    "newCard, user of another card system": Attempt(
        "greet", "post", NEW_CARD, {**SEED_REQUEST, "balieConsumerKey": KEYS.bib_gent}, (400, "ACCESS_DENIED")
    ),
    "newCard, balie without rights": Attempt(
        "ann", "post", NEW_CARD, {**SEED_REQUEST, "balieConsumerKey": KEYS.toneel}, (400, "ACCESS_DENIED")
    ),
    "newCard, administrator of another card system": Attempt(
        "ksb-aalst",
        "post",
        NEW_CARD,
        {"uid": UIDS.marc, "reason": "DEFECT", "uitpasNumber": "0945000000204"},
        (400, "ACCESS_DENIED"),
    ),
    "newCard, allowed": Attempt("ann", "post", NEW_CARD, SEED_REQUEST),
    # passholder
    "passholder, no token": Attempt(
        "anonymous", "get", f"/uitpas/passholder/{AALST_ACTIVE}", expected=(401, "NOT_AUTHENTICATED")
    ),
    "passholder, deleted token": Attempt(
        "deleted-token:ann",
        "get",
        f"/uitpas/passholder/{AALST_ACTIVE}",
        expected=(401, "AUTHENTICATION_FAILED"),
    ),
    "passholder, inactive user": Attempt(
        "inactive:ann", "get", f"/uitpas/passholder/{AALST_ACTIVE}", expected=(401, "AUTHENTICATION_FAILED")
    ),
    "passholder, user of another card system": Attempt(
        "greet", "get", f"/uitpas/passholder/{AALST_ACTIVE}", expected=(400, "ACCESS_DENIED")
    ),
    "passholder, for a balie one does not work at": Attempt(
        "bert",
        "get",
        f"/uitpas/passholder/{AALST_ACTIVE}",
        {"balieConsumerKey": KEYS.bib_aalst},
        (400, "ACCESS_DENIED"),
    ),
    "passholder, allowed": Attempt("bert", "get", f"/uitpas/passholder/{AALST_ACTIVE}"),
    # passholder by uid (Pieter, of Regio Aalst)
    "passholder by uid, no token": Attempt(
        "anonymous", "get", f"/uitpas/passholder/uid/{UIDS.pieter}", expected=(401, "NOT_AUTHENTICATED")
    ),
    "passholder by uid, deleted token": Attempt(
        "deleted-token:ann",
        "get",
        f"/uitpas/passholder/uid/{UIDS.pieter}",
        expected=(401, "AUTHENTICATION_FAILED"),
    ),
    "passholder by uid, inactive user": Attempt(
        "inactive:ann",
        "get",
        f"/uitpas/passholder/uid/{UIDS.pieter}",
        expected=(401, "AUTHENTICATION_FAILED"),
    ),
    "passholder by uid, user of another card system": Attempt(
        "greet", "get", f"/uitpas/passholder/uid/{UIDS.pieter}", expected=(400, "ACCESS_DENIED")
    ),
    "passholder by uid, administrator of another card system": Attempt(
        "ksb-aalst", "get", f"/uitpas/passholder/uid/{UIDS.marc}", expected=(400, "ACCESS_DENIED")
    ),
    "passholder by uid, for a balie one does not work at": Attempt(
        "bert",
        "get",
        f"/uitpas/passholder/uid/{UIDS.pieter}",
        {"balieConsumerKey": KEYS.bib_aalst},
        (400, "ACCESS_DENIED"),
    ),
    "passholder by uid, balie without rights": Attempt(
        "ann",
        "get",
        f"/uitpas/passholder/uid/{UIDS.pieter}",
        {"balieConsumerKey": KEYS.toneel},
        (400, "ACCESS_DENIED"),
    ),
    "passholder by uid, allowed": Attempt("bert", "get", f"/uitpas/passholder/uid/{UIDS.pieter}"),
    # countCards
    "countCards, no token": Attempt(
        "anonymous",
        "get",
        "/uitpas/balie/countCards",
        {"balieConsumerKey": KEYS.bib_aalst},
        (401, "NOT_AUTHENTICATED"),
    ),
    "countCards, inactive user": Attempt(
        "inactive:ann",
        "get",
        "/uitpas/balie/countCards",
        {"balieConsumerKey": KEYS.bib_aalst},
        (401, "AUTHENTICATION_FAILED"),
    ),
    "countCards, for a balie one does not work at": Attempt(
        "greet",
        "get",
        "/uitpas/balie/countCards",
        {"balieConsumerKey": KEYS.bib_aalst},
        (400, "ACCESS_DENIED"),
    ),
    "countCards, allowed": Attempt(
        "ann", "get", "/uitpas/balie/countCards", {"balieConsumerKey": KEYS.bib_aalst}
    ),
    # balie list ("own:<username>" is that user's uid)
    "balie list, no token": Attempt(
        "anonymous", "get", BALIE_LIST, {"uid": "own:ann"}, (401, "NOT_AUTHENTICATED")
    ),
    "balie list, deleted token": Attempt(
        "deleted-token:ann", "get", BALIE_LIST, {"uid": "own:ann"}, (401, "AUTHENTICATION_FAILED")
    ),
    "balie list, inactive user": Attempt(
        "inactive:ann", "get", BALIE_LIST, {"uid": "own:ann"}, (401, "AUTHENTICATION_FAILED")
    ),
    "balie list, someone else's uid": Attempt(
        "greet", "get", BALIE_LIST, {"uid": "own:ann"}, (400, "ACCESS_DENIED")
    ),
    "balie list, someone else's uid, card system administrator": Attempt(
        "ksb-aalst", "get", BALIE_LIST, {"uid": "own:ann"}, (400, "ACCESS_DENIED")
    ),
    "balie list, allowed": Attempt("ann", "get", BALIE_LIST, {"uid": "own:ann"}),
    "balie list, superuser for someone else": Attempt("admin", "get", BALIE_LIST, {"uid": "own:greet"}),
    # block
    "block, no token": Attempt(
        "anonymous", "post", f"/uitpas/passholder/block/{AALST_ACTIVE}", expected=(401, "NOT_AUTHENTICATED")
    ),
    "block, deleted token": Attempt(
        "deleted-token:bert",
        "post",
        f"/uitpas/passholder/block/{AALST_ACTIVE}",
        expected=(401, "AUTHENTICATION_FAILED"),
    ),
    "block, user of another card system": Attempt(
        "greet", "post", f"/uitpas/passholder/block/{AALST_ACTIVE}", expected=(400, "ACCESS_DENIED")
    ),
    "block, for a balie one does not work at": Attempt(
        "bert",
        "post",
        f"/uitpas/passholder/block/{AALST_ACTIVE}",
        {"balieConsumerKey": KEYS.bib_aalst},
        (400, "ACCESS_DENIED"),
    ),
    "block, balie without the block right": Attempt(
        "ann",
        "post",
        f"/uitpas/passholder/block/{AALST_ACTIVE}",
        {"balieConsumerKey": KEYS.toneel},
        (400, "ACCESS_DENIED"),
    ),
    "block, administrator of another card system": Attempt(
        "ksb-aalst", "post", f"/uitpas/passholder/block/{GENT_ACTIVE}", expected=(400, "ACCESS_DENIED")
    ),
    "block, allowed": Attempt("bert", "post", f"/uitpas/passholder/block/{AALST_ACTIVE}"),
    # card
    "card, no token": Attempt(
        "anonymous", "get", "/uitpas/card", {"uitpasNumber": AALST_STOCK}, (401, "NOT_AUTHENTICATED")
    ),
    "card, inactive user": Attempt(
        "inactive:ann", "get", "/uitpas/card", {"uitpasNumber": AALST_STOCK}, (401, "AUTHENTICATION_FAILED")
    ),
    "card, user of another card system": Attempt(
        "greet", "get", "/uitpas/card", {"uitpasNumber": AALST_STOCK}, (400, "ACCESS_DENIED")
    ),
    "card, for a balie one does not work at": Attempt(
        "bert",
        "get",
        "/uitpas/card",
        {"uitpasNumber": AALST_STOCK, "balieConsumerKey": KEYS.bib_aalst},
        (400, "ACCESS_DENIED"),
    ),
    "card, allowed": Attempt("bert", "get", "/uitpas/card", {"uitpasNumber": AALST_STOCK}),
    # price
    "price, no token": Attempt("anonymous", "get", PRICE, ASK_PRICE, (401, "NOT_AUTHENTICATED")),
    "price, deleted token": Attempt(
        "deleted-token:ann", "get", PRICE, ASK_PRICE, (401, "AUTHENTICATION_FAILED")
    ),
    "price, inactive user": Attempt("inactive:ann", "get", PRICE, ASK_PRICE, (401, "AUTHENTICATION_FAILED")),
    "price, for a balie one does not work at": Attempt(
        "bert", "get", PRICE, ASK_PRICE, (400, "ACCESS_DENIED")
    ),
    "price, user of another card system": Attempt(
        "greet", "get", PRICE, {**ASK_PRICE, "balieConsumerKey": KEYS.bib_gent}, (400, "ACCESS_DENIED")
    ),
    "price, balie without rights": Attempt(
        "ann", "get", PRICE, {**ASK_PRICE, "balieConsumerKey": KEYS.toneel}, (400, "ACCESS_DENIED")
    ),
    "price, administrator of another card system": Attempt(
        "ksb-aalst",
        "get",
        PRICE,
        {"uitpasNumber": "0945000000204", "reason": "DEFECT"},
        (400, "ACCESS_DENIED"),
    ),
    "price, allowed": Attempt("ann", "get", PRICE, ASK_PRICE),
    # price lists
    "price lists, no token": Attempt("anonymous", "get", PRICES, expected=(401, "NOT_AUTHENTICATED")),
    "price lists, deleted token": Attempt(
        "deleted-token:ann", "get", PRICES, expected=(401, "AUTHENTICATION_FAILED")
    ),
    "price lists, for a balie one does not work at": Attempt(
        "bert", "get", PRICES, {"balieConsumerKey": KEYS.bib_aalst}, (400, "ACCESS_DENIED")
    ),
    "price lists, allowed": Attempt("bert", "get", PRICES, {"balieConsumerKey": KEYS.de_werf}),
}


def with_user_uids(data: dict) -> dict:
    """``own:<username>`` stands for that user's uid, which the database makes."""
    return {
        name: str(uid_of(get_user_model().objects.get(username=value[4:])))
        if isinstance(value, str) and value.startswith("own:")
        else value
        for name, value in data.items()
    }


def api_client(actor: str) -> APIClient:
    client = APIClient()
    if actor == "anonymous":
        return client
    condition, _, username = actor.rpartition(":")
    user = get_user_model().objects.get(username=username)
    token = Token.objects.get_or_create(user=user)[0].key
    if condition == "inactive":
        user.is_active = False
        user.save()
    elif condition == "deleted-token":
        Token.objects.filter(user=user).delete()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.parametrize("attempt", API.values(), ids=API.keys())
def test_api(demo, attempt):
    client = api_client(attempt.actor)
    before = database_state()
    response = getattr(client, attempt.method)(attempt.path, with_user_uids(attempt.data))
    status, code = attempt.expected
    assert response.status_code == status, response.content
    if code is not None:
        assert error_code(response) == code
        assert database_state() == before


def marc(demo):
    return Passholder.objects.get(uid=UIDS.marc).pk


def pieter(demo):
    return Passholder.objects.get(uid=UIDS.pieter).pk


def gent_card(demo):
    return Card.objects.get(uitpas_number="0945000000204").pk


def aalst_card(demo):
    return Card.objects.get(uitpas_number=AALST_STOCK).pk


def gent_price(demo):
    return UitpasPrice.objects.filter(card_system=demo.gent).first().pk


def aalst_price(demo):
    return UitpasPrice.objects.filter(card_system=demo.aalst).first().pk


def sale_at(card_number: str):
    """A sale of a card (made for the test: the demo has none), as its balie's clerk made it."""

    def made(demo) -> int:
        card = Card.objects.get(uitpas_number=card_number)
        sale = Sale.objects.filter(card=card).first()
        if sale is None:
            price = price_of_registration(
                card_system=card.card_system,
                reason="DEFECT",
                card_type=card.card_type,
                kansenpas=card.kansenpas,
                date_of_birth=None,
                on=timezone.localdate(),
            )
            sale = record_sale(
                user=card.balie.staff.first(),
                balie=card.balie,
                passholder=Passholder.objects.get(
                    uid=UIDS.marc if card.card_system == demo.gent else UIDS.pieter
                ),
                card=card,
                reason="DEFECT",
                voucher=None,
                price=price,
            )
        return sale.pk

    return made


gent_sale, aalst_sale = sale_at("0945000000204"), sale_at(AALST_STOCK)


REFUSED = "refused"
# (actor, method, url name, url args (from the demo data), POST data) -> allowed or refused
ADMIN = {
    "passholder list, anonymous": (
        "anonymous",
        "get",
        "admin:passholders_passholder_changelist",
        [],
        None,
        REFUSED,
    ),
    "passholder list, inactive": (
        "inactive:ann",
        "get",
        "admin:passholders_passholder_changelist",
        [],
        None,
        REFUSED,
    ),
    "passholder of Gent, Aalst clerk": (
        "ann",
        "get",
        "admin:passholders_passholder_change",
        [marc],
        None,
        REFUSED,
    ),
    "change passholder of Gent, Aalst clerk": (
        "ann",
        "post",
        "admin:passholders_passholder_change",
        [marc],
        {"first_name": "X", "name": "Y"},
        REFUSED,
    ),
    "new-card form for Gent's passholder, Aalst clerk": (
        "ann",
        "get",
        "admin:passholders_passholder_new_card",
        [marc],
        None,
        REFUSED,
    ),
    "new card for Gent's passholder, Aalst clerk": (
        "ann",
        "post",
        "admin:passholders_passholder_new_card",
        [marc],
        {"reason": "DEFECT", "uitpas_number": AALST_STOCK, "balie": KEYS.bib_aalst},
        REFUSED,
    ),
    "new-card action, crafted selection": (
        "ann",
        "post",
        "admin:passholders_passholder_changelist",
        [],
        {"action": "register_new_card_action", "_selected_action": [marc]},
        REFUSED,
    ),
    "card of Gent, Aalst administrator": (
        "ksb-aalst",
        "get",
        "admin:cardsystems_card_change",
        [gent_card],
        None,
        REFUSED,
    ),
    "return Gent's card to stock, crafted selection": (
        "ksb-aalst",
        "post",
        "admin:cardsystems_card_changelist",
        [],
        {"action": "return_to_stock", "_selected_action": [gent_card], "confirm": "yes"},
        REFUSED,
    ),
    "export Gent's numbers, crafted selection": (
        "ksb-aalst",
        "post",
        "admin:cardsystems_card_changelist",
        [],
        {"action": "export_numbers", "_selected_action": [aalst_card, gent_card]},
        REFUSED,
    ),
    "return a card to stock, clerk": (
        "ann",
        "post",
        "admin:cardsystems_card_changelist",
        [],
        {"action": "return_to_stock", "_selected_action": [aalst_card], "confirm": "yes"},
        REFUSED,
    ),
    "balie page, clerk": ("ann", "get", "admin:cardsystems_balie_changelist", [], None, REFUSED),
    "grant a right, card system administrator": (
        "ksb-aalst",
        "post",
        "admin:cardsystems_cardsystem_permissions_manage_group",
        [lambda demo: demo.aalst.pk, lambda demo: demo.toneel.permission_group_id],
        {"permissions": ["passholder_create"]},
        REFUSED,
    ),
    "audit log, clerk": ("ann", "get", "admin:cardsystems_auditentry_changelist", [], None, REFUSED),
    "price of Gent, Aalst administrator": (
        "ksb-aalst",
        "get",
        "admin:cardsystems_uitpasprice_change",
        [gent_price],
        None,
        REFUSED,
    ),
    "delete a price of Gent, Aalst administrator": (
        "ksb-aalst",
        "post",
        "admin:cardsystems_uitpasprice_delete",
        [gent_price],
        {"post": "yes"},
        REFUSED,
    ),
    "price lists, clerk": ("ann", "get", "admin:cardsystems_uitpasprice_changelist", [], None, REFUSED),
    "sale of Gent, Aalst administrator": (
        "ksb-aalst",
        "get",
        "admin:cardsystems_sale_change",
        [gent_sale],
        None,
        REFUSED,
    ),
    "sale of Gent, Aalst clerk": ("ann", "get", "admin:cardsystems_sale_change", [gent_sale], None, REFUSED),
    "refund a sale of Gent, Aalst administrator": (
        "ksb-aalst",
        "post",
        "admin:cardsystems_sale_refund",
        [gent_sale],
        {"amount": "7.00", "reason": "x"},
        REFUSED,
    ),
    "refund a sale, clerk of its balie": (
        "ann",
        "post",
        "admin:cardsystems_sale_refund",
        [aalst_sale],
        {"amount": "5.00", "reason": "x"},
        REFUSED,
    ),
    "delete a sale, superuser": (
        "admin",
        "post",
        "admin:cardsystems_sale_delete",
        [aalst_sale],
        {"post": "yes"},
        REFUSED,
    ),
    "tokens, card system administrator": (
        "ksb-aalst",
        "get",
        "admin:authtoken_tokenproxy_changelist",
        [],
        None,
        REFUSED,
    ),
    # Controls: the same doors open for the right person.
    "price of Aalst, Aalst administrator": (
        "ksb-aalst",
        "get",
        "admin:cardsystems_uitpasprice_change",
        [aalst_price],
        None,
        "allowed",
    ),
    "sale of Aalst, its balie's clerk": (
        "ann",
        "get",
        "admin:cardsystems_sale_change",
        [aalst_sale],
        None,
        "allowed",
    ),
    "refund form of a sale of Aalst, Aalst administrator": (
        "ksb-aalst",
        "get",
        "admin:cardsystems_sale_refund",
        [aalst_sale],
        None,
        "allowed",
    ),
    "passholder of Aalst, Aalst clerk": (
        "ann",
        "get",
        "admin:passholders_passholder_change",
        [pieter],
        None,
        "allowed",
    ),
    "card of Aalst, Aalst administrator": (
        "ksb-aalst",
        "get",
        "admin:cardsystems_card_change",
        [aalst_card],
        None,
        "allowed",
    ),
    "new-card form for Aalst's passholder, Aalst clerk": (
        "ann",
        "get",
        "admin:passholders_passholder_new_card",
        [pieter],
        None,
        "allowed",
    ),
}


def resolved(value, demo):
    """Ids in the table are functions of the demo data."""
    if isinstance(value, list):
        return [resolved(item, demo) for item in value]
    return value(demo) if callable(value) else value


def admin_client(actor: str) -> Client:
    client = Client()
    if actor == "anonymous":
        return client
    condition, _, username = actor.rpartition(":")
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    if condition == "inactive":
        user.is_active = False
        user.save()
    return client


@pytest.mark.parametrize("row", ADMIN.values(), ids=ADMIN.keys())
def test_admin(demo, row):
    actor, method, name, args, data, outcome = row
    url = reverse(name, args=resolved(args, demo))
    client = admin_client(actor)
    before = database_state()
    response = getattr(client, method)(
        url, {key: resolved(value, demo) for key, value in (data or {}).items()}
    )
    if outcome == "allowed":
        assert response.status_code == 200
        return
    assert database_state() == before
    if response.status_code == 302:
        # Sent away: to the login page, home (guardian's screens do so), or back with
        # a warning or an error saying why.
        followed = client.get(response["Location"])
        if "/login/" not in response["Location"] and response["Location"] != reverse("admin:index"):
            levels = {message.level_tag for message in followed.context["messages"]}
            assert levels & {"warning", "error"}, levels
    else:
        assert response.status_code in (403, 404), response.status_code


@pytest.mark.parametrize(
    "name, args, data",
    [
        (
            "admin:passholders_passholder_new_card",
            [pieter],
            {"reason": "DEFECT", "uitpas_number": AALST_STOCK, "balie": KEYS.bib_aalst},
        ),
        (
            "admin:cardsystems_card_changelist",
            [],
            {"action": "return_to_stock", "_selected_action": [aalst_card], "confirm": "yes"},
        ),
        ("admin:passholders_passholder_change", [pieter], {"first_name": "X", "name": "Y"}),
    ],
    ids=["new card", "card action", "passholder change"],
)
def test_admin_changes_need_the_csrf_token(demo, name, args, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="admin"))
    before = database_state()
    response = client.post(
        reverse(name, args=resolved(args, demo)), {key: resolved(value, demo) for key, value in data.items()}
    )
    assert response.status_code == 403
    assert database_state() == before


def test_a_get_never_changes_anything(demo):
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    before = database_state()
    pieter_pk = Passholder.objects.get(uid=UIDS.pieter).pk
    client.get(
        reverse("admin:passholders_passholder_new_card", args=[pieter_pk]),
        {"reason": "DEFECT", "uitpas_number": AALST_STOCK, "balie": KEYS.bib_aalst},
    )
    client.get(
        reverse("admin:cardsystems_card_changelist"),
        {"action": "return_to_stock", "_selected_action": aalst_card(demo), "confirm": "yes"},
    )
    assert database_state() == before


def every_admin_page() -> list[str]:
    """The list and add pages of every model in the admin, and its custom pages that
    take no object."""
    from django.contrib import admin

    urls = ["/admin/"]
    for model in admin.site._registry:
        for view in ("changelist", "add"):
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"))
    for name in ("generate", "generated", "export", "import", "send_packages"):
        urls.append(reverse(f"admin:cardsystems_card_{name}"))
    for name in ("collected", "collected_csv"):
        urls.append(reverse(f"admin:cardsystems_sale_{name}"))
    return urls


@pytest.mark.parametrize("url", every_admin_page())
def test_every_admin_page_needs_a_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"], url


@pytest.mark.parametrize("url", every_admin_page())
def test_every_admin_page_refuses_a_staff_member_without_rights(demo, url):
    """A staff member of no balie and no card system: no page but the (empty) index."""
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="nobody"))
    response = client.get(url)
    if url == "/admin/":
        assert response.status_code == 200 and response.context["app_list"] == []
    else:
        assert response.status_code in (302, 403), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"] in (reverse("admin:index"), "/admin/login/?next=" + url)


# Paths across card systems: reproductions of attacks that went through a door of
# another card system, step by step.


def test_a_balie_shared_with_another_card_system_is_not_the_administrators_to_staff(demo, api_as):
    """A superuser gives CC De Werf Gent too, with Gent rights. Regio Aalst's
    administrator may no longer change its staff, so they cannot make themselves its
    clerk and read or block Gent's passholders with its key."""
    superuser = admin_client("admin")
    werf_page = reverse("admin:cardsystems_balie_change", args=[demo.de_werf.pk])
    shared = superuser.post(
        werf_page, change_form_data(superuser.get(werf_page), card_systems=[demo.aalst.pk, demo.gent.pk])
    )
    assert shared.status_code == 302
    granted = superuser.post(
        reverse(
            "admin:cardsystems_cardsystem_permissions_manage_group",
            args=[demo.gent.pk, demo.de_werf.permission_group_id],
        ),
        {"permissions": ["passholder_create", "passholder_block"]},
    )
    assert granted.status_code == 302

    ksb = admin_client("ksb-aalst")
    page = ksb.get(werf_page)
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    crafted = change_form_data(
        superuser.get(werf_page), staff=[demo.user("bert").pk, demo.user("ksb-aalst").pk]
    )
    before = database_state()
    assert ksb.post(werf_page, crafted).status_code == 403
    assert list(demo.de_werf.staff.values_list("username", flat=True)) == ["bert"]

    marc = f"/uitpas/passholder/{GENT_ACTIVE}"
    api = api_as("ksb-aalst")
    for response in (
        api.get(marc, {"balieConsumerKey": KEYS.de_werf}),
        api.post(f"/uitpas/passholder/block/{GENT_ACTIVE}", {"balieConsumerKey": KEYS.de_werf}),
    ):
        assert (response.status_code, error_code(response)) == (400, "ACCESS_DENIED")
    assert database_state() == before
    # Control: the balie's own clerk does reach Gent's passholder through it.
    assert api_as("bert").get(marc, {"balieConsumerKey": KEYS.de_werf}).status_code == 200


def test_an_extra_card_elsewhere_gives_no_right_to_block_the_holders_cards(demo, api_as):
    """greet (Gent) may not block Pieter's Aalst card, and registering an EXTRA_CARD for
    Pieter in Gent does not change that: the block right counts in the card's own card
    system only."""
    greet = api_as("greet")
    block = f"/uitpas/passholder/block/{AALST_ACTIVE}"
    refused = greet.post(block)
    assert (refused.status_code, error_code(refused)) == (400, "ACCESS_DENIED")
    extra = greet.post(
        NEW_CARD, {"uid": UIDS.pieter, "reason": "EXTRA_CARD", "uitpasNumber": "0945000000303"}
    )
    assert extra.status_code == 200, extra.content
    before = database_state()
    refused = greet.post(block)
    assert (refused.status_code, error_code(refused)) == (400, "ACCESS_DENIED")
    assert database_state() == before
    # Control: a balie with the block right in Regio Aalst still blocks it.
    allowed = api_as("ann").post(block, {"balieConsumerKey": KEYS.bib_aalst})
    assert allowed.status_code == 200, allowed.content

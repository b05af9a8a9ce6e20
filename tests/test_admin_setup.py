"""The set-up pages of the back-office: card systems, balies with their staff and rights,
voucher types and vouchers, API tokens; and that clerks reach none of them."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm, get_perms
from rest_framework.authtoken.models import Token

from cardsystems.models import Balie, Voucher
from cardsystems.permissions import CardSystemPermission as Perm
from cardsystems.selectors import balie_permissions
from passholders.models import Passholder
from tests.conftest import KEYS, UIDS, change_form_data
from tests.factories import UserFactory


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def listed(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [str(obj) for obj in response.context["cl"].result_list]


def test_clerks_reach_no_set_up_page(demo, admin_as):
    client = admin_as("ann")
    aalst, bib = demo.aalst.pk, demo.bib_aalst
    for name, args in [
        ("cardsystems_cardsystem_changelist", []),
        ("cardsystems_cardsystem_change", [aalst]),
        ("cardsystems_balie_changelist", []),
        ("cardsystems_balie_change", [bib.pk]),
        ("cardsystems_balie_add", []),
        ("cardsystems_vouchertype_changelist", []),
        ("cardsystems_voucher_changelist", []),
        ("cardsystems_uitpasprice_changelist", []),
        ("cardsystems_uitpasprice_add", []),
        ("auth_user_changelist", []),
        ("auth_group_changelist", []),
        ("authtoken_tokenproxy_changelist", []),
    ]:
        assert client.get(url(name, *args)).status_code == 403, name
    # Guardian's rights screens send whoever may not change card systems home.
    for name, args in [
        ("cardsystems_cardsystem_permissions", [aalst]),
        ("cardsystems_cardsystem_permissions_manage_group", [aalst, demo.toneel.permission_group_id]),
    ]:
        response = client.get(url(name, *args))
        assert (response.status_code, response["Location"]) == (302, url("index")), name
    # Of the card systems app a clerk sees the cards of their balies' stock and their
    # balies' sales only (their home is the counter, which lists their pages).
    app_list = client.get(url("index"), follow=True).context["available_apps"]
    assert {app["app_label"]: [model["object_name"] for model in app["models"]] for app in app_list} == {
        "cardsystems": ["Card", "Sale"],
        "passholders": ["Passholder"],
    }


def test_a_clerk_cannot_change_a_balie_or_its_rights(demo, admin_as):
    client = admin_as("ann")
    toneel = demo.toneel
    page = url("cardsystems_balie_change", toneel.pk)
    data = change_form_data(admin_as("ksb-aalst").get(page), name="Mine now")
    assert client.post(page, data).status_code == 403
    refused = client.post(
        url("cardsystems_cardsystem_permissions_manage_group", demo.aalst.pk, toneel.permission_group_id),
        {"permissions": [Perm.PASSHOLDER_CREATE.value]},
    )
    assert (refused.status_code, refused["Location"]) == (302, url("index"))
    toneel.refresh_from_db()
    assert toneel.name == "Toneelvereniging Haaltert"
    assert get_perms(toneel.permission_group, demo.aalst) == []
    # The same data from the card system's administrator is saved.
    assert admin_as("ksb-aalst").post(page, data).status_code == 302
    toneel.refresh_from_db()
    assert toneel.name == "Mine now"


def test_an_administrator_sees_the_set_up_of_their_card_system_only(demo, admin_as):
    client = admin_as("ksb-aalst")
    assert listed(client.get(url("cardsystems_cardsystem_changelist"))) == ["UiTPAS Regio Aalst"]
    assert listed(client.get(url("cardsystems_balie_changelist"))) == [
        "Bibliotheek Aalst",
        "CC De Werf",
        "Toneelvereniging Haaltert",
    ]
    assert listed(client.get(url("cardsystems_vouchertype_changelist"))) == ["Gratis UiTPAS (100)"]
    assert listed(client.get(url("cardsystems_voucher_changelist"))) == ["1000001", "1000002", "1000003"]
    # Gent's balie does not exist for them.
    response = client.get(url("cardsystems_balie_change", demo.bib_gent.pk))
    assert (response.status_code, response["Location"]) == (302, url("index"))


def test_an_administrator_sees_their_card_system_but_does_not_change_it(demo, admin_as):
    client = admin_as("ksb-aalst")
    response = client.get(url("cardsystems_cardsystem_change", demo.aalst.pk))
    assert (response.status_code, response.context["has_change_permission"]) == (200, False)
    assert url("cardsystems_cardsystem_permissions", demo.aalst.pk) not in response.content.decode()
    page = url("cardsystems_cardsystem_change", demo.aalst.pk)
    data = change_form_data(admin_as("admin").get(page), name="X")
    assert client.post(page, data).status_code == 403
    demo.aalst.refresh_from_db()
    assert demo.aalst.name == "UiTPAS Regio Aalst"
    assert admin_as("admin").post(page, data).status_code == 302
    demo.aalst.refresh_from_db()
    assert demo.aalst.name == "X"


def test_an_administrator_manages_the_staff_of_their_balies(demo, admin_as):
    werf = demo.de_werf
    response = admin_as("ksb-aalst").post(
        url("cardsystems_balie_change", werf.pk),
        {
            "name": "CC De Werf",
            "consumer_key": "CHANGED",  # read-only: ignored
            "card_systems": [demo.gent.pk],  # read-only for administrators: ignored
            "minimum_stock": 0,
            "staff": [demo.user("bert").pk, demo.user("ann").pk],
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    werf.refresh_from_db()
    assert sorted(werf.staff.values_list("username", flat=True)) == ["ann", "bert"]
    assert werf.consumer_key == KEYS.de_werf
    assert list(werf.card_systems.all()) == [demo.aalst]


def offered_staff(client, balie) -> list[str]:
    response = client.get(url("cardsystems_balie_change", balie.pk))
    return [person.username for person in response.context["adminform"].form.fields["staff"].queryset]


def test_the_staff_picker_offers_only_people_one_has_business_with(demo, admin_as):
    UserFactory(username="newcomer")  # may log in, works nowhere yet
    UserFactory(username="gone", is_active=False)
    UserFactory(username="api-only", is_staff=False)
    assign_perm(Perm.MANAGE_STOCK.full_name, UserFactory(username="ksb-gent"), demo.gent)
    gent_team = Group.objects.create(name="Gent team")
    assign_perm(Perm.MANAGE_STOCK.full_name, gent_team, demo.gent)
    UserFactory(username="gent-team-member").groups.add(gent_team)
    # Superusers: whoever may log in.
    assert offered_staff(admin_as("admin"), demo.de_werf) == [
        "admin",
        "ann",
        "bert",
        "gent-team-member",
        "greet",
        "ksb-aalst",
        "ksb-gent",
        "newcomer",
    ]
    # An administrator: no superusers, no clerks or administrators of other card systems.
    assert offered_staff(admin_as("ksb-aalst"), demo.de_werf) == ["ann", "bert", "ksb-aalst", "newcomer"]
    # A balie's current staff stay on offer, so that saving its page keeps them.
    demo.user("bert").balies.add(demo.bib_gent)
    ann = demo.user("ann")
    ann.is_active = False
    ann.save()
    assert "ann" in offered_staff(admin_as("ksb-aalst"), demo.bib_aalst)
    assert "ann" not in offered_staff(admin_as("ksb-aalst"), demo.de_werf)
    # A clerk of Gent who also works at an Aalst balie is the administrator's business.
    assert "bert" in offered_staff(admin_as("ksb-aalst"), demo.bib_aalst)


def test_an_administrator_cannot_put_someone_they_are_not_offered_on_a_balie(demo, admin_as):
    page = url("cardsystems_balie_change", demo.de_werf.pk)
    client = admin_as("ksb-aalst")
    for outsider in ("greet", "admin"):
        response = client.post(page, change_form_data(client.get(page), staff=[demo.user(outsider).pk]))
        assert response.status_code == 200
        assert "staff" in response.context["adminform"].form.errors
    assert list(demo.de_werf.staff.values_list("username", flat=True)) == ["bert"]
    # A superuser may.
    superuser = admin_as("admin")
    saved = superuser.post(page, change_form_data(superuser.get(page), staff=[demo.user("greet").pk]))
    assert saved.status_code == 302
    assert list(demo.de_werf.staff.values_list("username", flat=True)) == ["greet"]


def test_an_administrator_does_not_delete_balies(demo, admin_as):
    client = admin_as("ksb-aalst")
    assert client.post(url("cardsystems_balie_delete", demo.toneel.pk), {"post": "yes"}).status_code == 403
    assert Balie.objects.filter(pk=demo.toneel.pk).exists()


def test_an_administrator_does_not_grant_rights(demo, admin_as):
    client = admin_as("ksb-aalst")
    manage = url(
        "cardsystems_cardsystem_permissions_manage_group", demo.aalst.pk, demo.toneel.permission_group_id
    )
    client.post(manage, {"permissions": [Perm.PASSHOLDER_CREATE.value]})
    assert Perm.PASSHOLDER_CREATE not in balie_permissions(demo.toneel).get(demo.aalst.pk, set())
    rights = client.get(url("cardsystems_balie_change", demo.bib_aalst.pk)).context["balie_rights"]
    assert [row["url"] for row in rights] == [None]


def test_a_new_balie_gets_a_generated_consumer_key_read_only_afterwards(demo, admin_as):
    client = admin_as("admin")
    form = client.get(url("cardsystems_balie_add")).context["adminform"].form
    generated = form["consumer_key"].value()
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{16}", generated)
    response = client.post(
        url("cardsystems_balie_add"),
        {
            "name": "Bibliotheek Erpe-Mere",
            "consumer_key": generated,
            "card_systems": [demo.aalst.pk],
            "minimum_stock": 0,
            "staff": [],
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    balie = Balie.objects.get(name="Bibliotheek Erpe-Mere")
    assert balie.consumer_key == generated
    assert balie.permission_group_id is not None
    client.post(
        url("cardsystems_balie_change", balie.pk),
        {
            "name": "Bibliotheek Erpe-Mere",
            "consumer_key": "OTHER",
            "card_systems": [demo.aalst.pk],
            "minimum_stock": 0,
            "staff": [],
        },
    )
    balie.refresh_from_db()
    assert balie.consumer_key == generated


def test_a_superuser_grants_a_balie_its_rights_on_guardians_screen(demo, admin_as):
    client = admin_as("admin")
    card_system_page = client.get(url("cardsystems_cardsystem_change", demo.aalst.pk)).content.decode()
    assert url("cardsystems_cardsystem_permissions", demo.aalst.pk) in card_system_page
    rights = client.get(url("cardsystems_balie_change", demo.toneel.pk)).context["balie_rights"]
    [row] = rights
    assert (row["card_system"], row["rights"]) == (demo.aalst, [])
    screen = client.get(row["url"])
    assert screen.status_code == 200
    # Only the four rights of the domain are offered, not Django's model permissions.
    offered = [value for value, _ in screen.context["form"].fields["permissions"].choices]
    assert offered == [perm.value for perm in Perm]
    response = client.post(
        row["url"], {"permissions": [Perm.PASSHOLDER_CREATE.value, Perm.PASSHOLDER_BLOCK.value]}
    )
    assert response.status_code == 302
    assert sorted(get_perms(demo.toneel.permission_group, demo.aalst)) == [
        "passholder_block",
        "passholder_create",
    ]
    rights = client.get(url("cardsystems_balie_change", demo.toneel.pk)).context["balie_rights"]
    assert len(rights[0]["rights"]) == 2


def test_a_superuser_grants_an_administrator_only_the_four_rights(demo, admin_as):
    client = admin_as("admin")
    bert = get_user_model().objects.get(username="bert")
    screen = url("cardsystems_cardsystem_permissions_manage_user", demo.aalst.pk, bert.pk)
    offered = [value for value, _ in client.get(screen).context["form"].fields["permissions"].choices]
    assert offered == [perm.value for perm in Perm]
    refused = client.post(screen, {"permissions": ["view_cardsystem"]})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert client.post(screen, {"permissions": [Perm.MANAGE_STOCK.value]}).status_code == 302
    assert get_perms(bert, demo.aalst) == [Perm.MANAGE_STOCK.value]


def test_redemption_is_read_only_and_a_redeemed_voucher_is_not_changed(demo, admin_as):
    client = admin_as("ksb-aalst")
    unused = Voucher.objects.get(number="1000001")
    form = client.get(url("cardsystems_voucher_change", unused.pk)).context["adminform"].form
    assert set(form.fields) == {"number", "voucher_type"}
    client.post(
        url("cardsystems_voucher_change", unused.pk),
        {"number": "1000001", "voucher_type": unused.voucher_type_id, "redeemed_at_0": "2020-01-01"},
    )
    unused.refresh_from_db()
    assert unused.redeemed_at is None

    redeemed = Voucher.objects.get(number="1000003")
    response = client.get(url("cardsystems_voucher_change", redeemed.pk))
    assert response.context["has_change_permission"] is False
    assert (
        client.post(url("cardsystems_voucher_change", redeemed.pk), {"number": "1009999"}).status_code == 403
    )
    assert client.post(url("cardsystems_voucher_delete", redeemed.pk), {"post": "yes"}).status_code == 403
    assert Voucher.objects.filter(number="1000003").exists()


def test_an_administrator_adds_vouchers_of_their_own_voucher_types(demo, admin_as):
    client = admin_as("ksb-aalst")
    form = client.get(url("cardsystems_voucher_add")).context["adminform"].form
    assert [str(voucher_type) for voucher_type in form.fields["voucher_type"].queryset] == [
        "Gratis UiTPAS (100)"
    ]
    gent_type = Voucher.objects.get(number="2000001").voucher_type
    response = client.post(
        url("cardsystems_voucher_add"), {"number": "2000099", "voucher_type": gent_type.pk}
    )
    assert response.status_code == 200  # refused: not one of the choices
    assert not Voucher.objects.filter(number="2000099").exists()


def test_api_tokens_are_managed_in_the_admin(demo, admin_as, api_as):
    client = admin_as("admin")
    assert client.get(url("authtoken_tokenproxy_changelist")).status_code == 200
    bert = demo.user("bert")
    response = client.post(url("authtoken_tokenproxy_add"), {"user": bert.pk})
    assert response.status_code == 302, response.context and response.context["errors"]
    token = Token.objects.get(user=bert)
    assert token.key in client.get(url("authtoken_tokenproxy_changelist")).content.decode()
    api = api_as(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/uitpas/passholder/0930056878802").status_code == 200


@pytest.mark.parametrize(
    "page",
    [
        "cardsystems_balie_changelist",
        "cardsystems_vouchertype_changelist",
        "cardsystems_voucher_changelist",
        "cardsystems_cardhistory_changelist",
        "cardsystems_auditentry_changelist",
    ],
)
def test_the_list_filters_offer_only_the_administrators_card_systems(demo, admin_as, page):
    assert "UiTPAS Gent" in admin_as("admin").get(url(page)).content.decode()
    response = admin_as("ksb-aalst").get(url(page))
    assert response.status_code == 200
    shown = response.content.decode()  # a filter with one choice left is not shown at all
    assert "UiTPAS Gent" not in shown and "Welkom in Gent" not in shown


def test_admin_pages_read_the_rights_once_and_nothing_twice(demo, admin_as):
    """Django asks the permission hooks many times per page; each answer is read once."""
    client = admin_as("ksb-aalst")
    client.get(url("index"))
    pieter = Passholder.objects.get(uid=UIDS.pieter)
    pages = [
        url("passholders_passholder_change", pieter.pk),
        url("passholders_passholder_new_card", pieter.pk),
        url("cardsystems_balie_change", demo.bib_aalst.pk),
        url("cardsystems_voucher_change", Voucher.objects.get(number="1000001").pk),
        url("cardsystems_cardhistory_changelist"),
    ]
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        statements = [query["sql"] for query in queries.captured_queries]
        assert len(statements) == len(set(statements)), page


def test_rights_read_in_words_with_their_api_names_in_small_print(demo, admin_as):
    client = admin_as("admin")
    balie = client.get(url("cardsystems_balie_change", demo.bib_aalst.pk), headers={"Accept-Language": "nl"})
    assert (
        "Kaarten van leden blokkeren <small>PERMISSION_PASSHOLDER - ACTION_BLOCK</small>"
        in balie.content.decode()
    )
    guardian = client.get(
        url("cardsystems_cardsystem_permissions", demo.aalst.pk), headers={"Accept-Language": "en"}
    )
    assert [perm.name for perm in guardian.context["model_perms"]] == [
        "Register passholders and new cards",
        "Block cards of members",
        "Grant kansenstatuut",
        "Manage stock, balies and vouchers (card system administrator)",
    ]
    assert "Can add card system" not in guardian.content.decode()

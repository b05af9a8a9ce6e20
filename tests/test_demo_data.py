"""`manage.py loaddemo` creates exactly docs/demo-data.md, and twice changes nothing."""

import datetime
from decimal import Decimal
from uuid import UUID

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from guardian.shortcuts import get_perms

from cardsystems.models import Balie, Card, CardSystem, UitpasPrice, Voucher, VoucherType
from passholders.demo import load_demo_data
from passholders.models import Membership, Passholder
from passholders.services import register_new_card
from tests.conftest import KEYS, SEED_REQUEST, SEED_RESPONSE, UIDS
from uitid.models import AccessToken, Consumer


def everything():
    User = get_user_model()
    return (
        list(CardSystem.objects.values_list("name", "number_prefix", "kansenstatuut_grace_days")),
        [
            (
                b.name,
                b.consumer_key,
                [cs.name for cs in b.card_systems.all()],
                sorted(get_perms(b.permission_group, b.card_systems.get())),
                sorted(u.username for u in b.staff.all()),
            )
            for b in Balie.objects.all()
        ],
        list(
            User.objects.order_by("username").values_list("username", "is_superuser", "is_staff", "password")
        ),
        list(
            Card.objects.values_list(
                "uitpas_number", "chip_number", "status", "balie__name", "passholder__uid", "card_type"
            )
        ),
        list(
            Membership.objects.values_list(
                "passholder__uid",
                "card_system__name",
                "status",
                "current_card__uitpas_number",
                "kansenstatuut",
                "kansenstatuut_end_date",
            )
        ),
        list(
            Voucher.objects.values_list("number", "voucher_type__name", "voucher_type__prefix", "redeemed_at")
        ),
        list(Passholder.objects.values_list("uid", "first_name", "name", "date_of_birth", "postal_code")),
        list(Consumer.objects.order_by("key").values_list("key", "name", "balie__name")),
        list(AccessToken.objects.order_by("token").values_list("token", "user__username", "consumer__key")),
        sorted(price_lists(), key=str),
    )


def price_lists() -> list[tuple]:
    return list(
        UitpasPrice.objects.values_list(
            "card_system__name",
            "reason",
            "card_type",
            "kansenstatuut",
            "voucher_type__name",
            "age_from",
            "age_to",
            "use_when_age_unknown",
            "price",
        )
    )


def test_loaddemo_creates_the_described_data_set(db, capsys):
    call_command("loaddemo")
    assert "demo" in capsys.readouterr().err
    today = timezone.localdate()
    assert set(CardSystem.objects.values_list("name", "number_prefix", "kansenstatuut_grace_days")) == {
        ("UiTPAS Regio Aalst", "09300", 30),
        ("UiTPAS Gent", "09450", 0),
    }
    rights = {
        b.name: (
            b.consumer_key,
            b.card_systems.get().name,
            set(get_perms(b.permission_group, b.card_systems.get())),
        )
        for b in Balie.objects.all()
    }
    assert rights == {
        "Bibliotheek Aalst": (
            KEYS.bib_aalst,
            "UiTPAS Regio Aalst",
            {"passholder_create", "passholder_block", "kansenstatuut_create"},
        ),
        "CC De Werf": (KEYS.de_werf, "UiTPAS Regio Aalst", {"passholder_create", "passholder_block"}),
        "Toneelvereniging Haaltert": (KEYS.toneel, "UiTPAS Regio Aalst", set()),
        "Bibliotheek Gent": (
            KEYS.bib_gent,
            "UiTPAS Gent",
            {"passholder_create", "passholder_block", "kansenstatuut_create"},
        ),
    }
    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {"admin", "ksb-aalst", "ann", "bert", "greet"}
    assert all(u.check_password("demo") for u in users.values())
    assert [u for u, user in users.items() if user.is_superuser] == ["admin"]
    assert {u: sorted(b.name for b in user.balies.all()) for u, user in users.items()} == {
        "admin": [],
        "ksb-aalst": [],
        "ann": ["Bibliotheek Aalst", "Toneelvereniging Haaltert"],
        "bert": ["CC De Werf"],
        "greet": ["Bibliotheek Gent"],
    }
    aalst = CardSystem.objects.get(name="UiTPAS Regio Aalst")
    assert set(get_perms(users["ksb-aalst"], aalst)) == {
        "passholder_create",
        "passholder_block",
        "kansenstatuut_create",
        "manage_stock",
    }
    assert set(
        Membership.objects.values_list(
            "passholder__uid",
            "passholder__first_name",
            "passholder__name",
            "card_system__name",
            "status",
            "current_card__uitpas_number",
            "kansenstatuut_end_date",
        )
    ) == {
        (
            UUID(UIDS.ellen),
            "Ellen",
            "Vanmaele",
            "UiTPAS Regio Aalst",
            "ACTIVE",
            "0930000001410",
            datetime.date(today.year, 12, 31),
        ),
        (UUID(UIDS.pieter), "Pieter", "Janssen", "UiTPAS Regio Aalst", "ACTIVE", "0930056878802", None),
        (UUID(UIDS.marc), "Marc", "Peeters", "UiTPAS Gent", "ACTIVE", "0945000000105", None),
        (UUID(UIDS.sofie), "Sofie", "Claes", "UiTPAS Regio Aalst", "BLOCKED", "0930000004000", None),
        (
            UUID(UIDS.tom),
            "Tom",
            "Maes",
            "UiTPAS Regio Aalst",
            "ACTIVE",
            "0930000001717",
            today - datetime.timedelta(days=60),
        ),
    }
    assert set(Passholder.objects.values_list("uid", "date_of_birth", "postal_code", "email", "city")) == {
        (UUID(UIDS.ellen), datetime.date(1990, 5, 12), "9300", "", ""),
        (UUID(UIDS.pieter), datetime.date(2012, 3, 1), "9300", "", ""),
        (UUID(UIDS.marc), datetime.date(1985, 11, 2), "9000", "", ""),
        (UUID(UIDS.sofie), datetime.date(2000, 1, 20), "9320", "", ""),
        (UUID(UIDS.tom), None, "9300", "", ""),
    }
    cards = {
        c.uitpas_number: (c.chip_number, c.kansenpas, c.status, c.balie and c.balie.name, c.card_type)
        for c in Card.objects.all()
    }
    assert len(cards) == 21
    assert cards["0930000001410"] == ("04A1000000001410", True, "ACTIVE", None, "CARD")
    assert cards["0930000000701"] == ("04A1000000000701", False, "SENT_TO_BALIE", "Bibliotheek Aalst", "CARD")
    assert cards["0930000000800"] == ("04A1000000000800", False, "STOCK", None, "CARD")
    assert cards["0930000000909"] == (None, False, "PROVISIONED", None, "CARD")
    assert cards["0930000002004"] == ("04A1000000002004", False, "BLOCKED", None, "CARD")
    assert cards["0945000001111"] == ("04B1000000001111", True, "LOCAL_STOCK", "Bibliotheek Gent", "CARD")
    assert sorted(n for n, c in cards.items() if c[2:4] == ("LOCAL_STOCK", "Bibliotheek Aalst")) == [
        "0930000000107",
        "0930000000206",
        "0930000000305",
        "0930000000404",
        "0930000001113",
        "0930000001212",
        "0930000001311",
    ]
    assert sorted(n for n, c in cards.items() if c[2:4] == ("LOCAL_STOCK", "CC De Werf")) == [
        "0930000000503",
        "0930000000602",
    ]
    assert {n for n, c in cards.items() if c[1]} == {
        "0930000001410",
        "0930000001717",
        "0930000001113",
        "0930000001212",
        "0930000001311",
        "0945000001111",
    }
    assert set(
        Voucher.objects.values_list(
            "number", "voucher_type__name", "voucher_type__prefix", "voucher_type__card_system__name"
        )
    ) == {
        ("1000001", "Gratis UiTPAS", "100", "UiTPAS Regio Aalst"),
        ("1000002", "Gratis UiTPAS", "100", "UiTPAS Regio Aalst"),
        ("1000003", "Gratis UiTPAS", "100", "UiTPAS Regio Aalst"),
        ("2000001", "Welkom in Gent", "200", "UiTPAS Gent"),
    }
    assert list(Voucher.objects.filter(redeemed_at__isnull=False).values_list("number", flat=True)) == [
        "1000003"
    ]


def test_loaddemo_creates_the_described_price_lists(db):
    load_demo_data()
    aalst, gent = "UiTPAS Regio Aalst", "UiTPAS Gent"
    any_age = (None, None, True)
    expected = {
        (aalst, reason, "CARD", kansenstatuut, voucher, *ages, Decimal(price))
        for reason, kansenstatuut, voucher, ages, price in [
            *[
                row
                for reason in ("FIRST_CARD", "EXTRA_CARD")
                for row in (
                    (reason, False, None, (None, 17, False), "2.00"),
                    (reason, False, None, (18, None, True), "5.00"),
                    (reason, True, None, any_age, "1.00"),
                )
            ],
            ("LOSS_THEFT", False, None, any_age, "5.00"),
            ("DEFECT", False, None, any_age, "5.00"),
            ("LOSS_THEFT", True, None, any_age, "1.00"),
            ("DEFECT", True, None, any_age, "1.00"),
            ("CARD_UPGRADE", False, None, any_age, "2.00"),
            ("CARD_UPGRADE", True, None, any_age, "0.50"),
            ("OBTAIN_KANSENSTATUUT", True, None, any_age, "0.00"),
            ("LOSS_KANSENSTATUUT", False, None, any_age, "0.00"),
            *[
                (reason, kansenstatuut, "Gratis UiTPAS", any_age, "0.00")
                for reason in (
                    "FIRST_CARD",
                    "EXTRA_CARD",
                    "LOSS_THEFT",
                    "DEFECT",
                    "CARD_UPGRADE",
                    "OBTAIN_KANSENSTATUUT",
                    "LOSS_KANSENSTATUUT",
                )
                for kansenstatuut in (False, True)
            ],
        ]
    } | {
        (gent, reason, "CARD", kansenstatuut, voucher, *any_age, Decimal(price))
        for reason in ("LOSS_THEFT", "DEFECT", "FIRST_CARD", "EXTRA_CARD")
        for kansenstatuut, voucher, price in (
            (False, None, "7.00"),
            (True, None, "1.50"),
            *(
                [(False, "Welkom in Gent", "0.00"), (True, "Welkom in Gent", "0.00")]
                if reason in ("FIRST_CARD", "EXTRA_CARD")
                else []
            ),
        )
    }
    assert len(expected) == 28 + 12
    assert sorted(price_lists(), key=str) == sorted(expected, key=str)


def test_loading_twice_changes_nothing(db):
    load_demo_data()
    first = everything()
    assert load_demo_data() == 0
    assert everything() == first


def test_loading_again_puts_back_what_the_seed_request_changed(db, api_as):
    load_demo_data()
    first = everything()
    assert api_as("ann").post("/uitpas/passholder/newCard", SEED_REQUEST).content == SEED_RESPONSE
    assert everything() != first
    load_demo_data()
    assert everything() == first
    assert api_as("ann").post("/uitpas/passholder/newCard", SEED_REQUEST).content == SEED_RESPONSE


def test_loading_again_leaves_other_data_alone(db):
    load_demo_data()
    register_new_card(
        user=get_user_model().objects.get(username="ann"),
        uid=UIDS.marc,
        reason="EXTRA_CARD",
        uitpas_number="0930000000305",
        balie_consumer_key=KEYS.bib_aalst,
    )
    other = Passholder.objects.create(first_name="Other", name="Person")
    aalst = CardSystem.objects.get(name="UiTPAS Regio Aalst")
    sticker = UitpasPrice.objects.create(
        card_system=aalst, reason="DEFECT", card_type="STICKER", price=Decimal("3")
    )
    kept = UitpasPrice.objects.get(
        card_system=aalst, reason="DEFECT", card_type="CARD", kansenstatuut=False, voucher_type=None
    )
    load_demo_data()
    assert Passholder.objects.filter(pk=other.pk).exists()
    assert UitpasPrice.objects.filter(pk=sticker.pk).exists()
    # A demo row stays the same row (sales name it).
    assert (
        UitpasPrice.objects.get(
            card_system=aalst, reason="DEFECT", card_type="CARD", kansenstatuut=False, voucher_type=None
        )
        == kept
    )
    assert not Membership.objects.filter(
        passholder__uid=UIDS.marc, card_system__name="UiTPAS Regio Aalst"
    ).exists()
    assert Card.objects.get(uitpas_number="0930000000305").status == "LOCAL_STOCK"


RENAMES = {
    "card system name": lambda: CardSystem.objects.filter(name="UiTPAS Regio Aalst").update(
        name="Regio Aalst"
    ),
    "card system prefix and grace period": lambda: CardSystem.objects.filter(name="UiTPAS Gent").update(
        number_prefix="09451", kansenstatuut_grace_days=7
    ),
    "balie name": lambda: Balie.objects.filter(consumer_key=KEYS.bib_aalst).update(name="Bib Aalst"),
    "voucher type name": lambda: VoucherType.objects.filter(name="Gratis UiTPAS").update(name="Gratis"),
    "voucher type prefix": lambda: VoucherType.objects.filter(name="Welkom in Gent").update(prefix="201"),
    "passholder names and date of birth": lambda: Passholder.objects.filter(uid=UIDS.ellen).update(
        first_name="E.", name="V.", date_of_birth=None
    ),
    "OAuth consumer name": lambda: Consumer.objects.filter(key="demo-balie-app").update(name="Partner"),
    "demo prices": lambda: change_demo_prices(),
}


def change_demo_prices() -> None:
    """What an administrator may do to the demo's price lists: another price, another
    age range, the unknown age moved to another row, a row added that overlaps."""
    children = UitpasPrice.objects.filter(
        reason="FIRST_CARD", card_system__name="UiTPAS Regio Aalst", age_to=17
    )
    adults = UitpasPrice.objects.filter(
        reason="FIRST_CARD", card_system__name="UiTPAS Regio Aalst", age_from=18
    )
    adults.update(use_when_age_unknown=False, age_from=21)
    children.update(use_when_age_unknown=True, age_to=20, price=Decimal("2.50"))
    UitpasPrice.objects.filter(card_system__name="UiTPAS Gent", reason="DEFECT", kansenstatuut=True).update(
        price=Decimal("9.99")
    )
    lost = UitpasPrice.objects.get(card_system__name="UiTPAS Gent", reason="LOSS_THEFT", kansenstatuut=False)
    UitpasPrice.objects.create(
        card_system=lost.card_system, reason="LOSS_THEFT", age_from=65, price=Decimal("3")
    )


@pytest.mark.parametrize("renames", [[name] for name in RENAMES] + [list(RENAMES)], ids=[*RENAMES, "all"])
def test_loading_again_puts_back_what_an_administrator_renamed(db, renames):
    load_demo_data()
    first = everything()
    for name in renames:
        RENAMES[name]()
    assert everything() != first
    assert load_demo_data() > 0
    assert everything() == first
    assert load_demo_data() == 0
    assert everything() == first
    assert (CardSystem.objects.count(), VoucherType.objects.count()) == (2, 2)

"""The demo data set of ``docs/demo-data.md``, put into the database as described.

:func:`load_demo_data` brings every demo object to its described state: it creates what
is missing and puts back what was changed (a card handed out by a demo request goes back
into the balie's stock, a name an administrator changed gets its demo name back), so
that the seed's example request works again after each load. Each demo object is found
by a key that names do not change: a card system by its number prefix, a voucher type
by its card system and prefix (each also by its name, should the prefix have been
changed), a balie by its consumer key, a user by username, a passholder by uid, a card
or voucher by number, an OAuth consumer or token by its key, a price by its card
system, reason, card type, kansenstatuut, voucher type and the start of its age range.
Objects that are not part of the demo are left alone. Loading twice changes nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_perms, remove_perm

from cardsystems.models import (
    FIRST_CARD,
    Balie,
    Card,
    CardHistory,
    CardStatus,
    CardSystem,
    CardType,
    NewCardReason,
    UitpasPrice,
    Voucher,
    VoucherType,
)
from cardsystems.permissions import CardSystemPermission as Perm
from passholders.models import Membership, Passholder
from uitid.models import AccessToken, Consumer
from uitid.sealing import SealBroken, seal

DEMO_PASSWORD = "demo"

AALST, GENT = "UiTPAS Regio Aalst", "UiTPAS Gent"
CARD_SYSTEMS = {AALST: ("09300", 30), GENT: ("09450", 0)}

BIB_AALST, DE_WERF = "Bibliotheek Aalst", "CC De Werf"
TONEEL, BIB_GENT = "Toneelvereniging Haaltert", "Bibliotheek Gent"
BALIES = {
    BIB_AALST: (
        "28808C2F-0DB2-D2CF-F508ECB994D2505F",
        AALST,
        {Perm.PASSHOLDER_CREATE, Perm.PASSHOLDER_BLOCK, Perm.KANSENSTATUUT_CREATE},
    ),
    DE_WERF: (
        "31413BDF-DFC7-7A9F-10403618C2816E44",
        AALST,
        {Perm.PASSHOLDER_CREATE, Perm.PASSHOLDER_BLOCK},
    ),
    TONEEL: ("cad22a20fa67b12ac1306b49755a2f7e", AALST, set()),
    BIB_GENT: (
        "6B1F1C4E-3A2D-4F7B-9C1E-2D3F4A5B6C7D",
        GENT,
        {Perm.PASSHOLDER_CREATE, Perm.PASSHOLDER_BLOCK, Perm.KANSENSTATUUT_CREATE},
    ),
}

# username: (superuser, card systems administered, balies worked at)
USERS = {
    "admin": (True, [], []),
    "ksb-aalst": (False, [AALST], []),
    "ann": (False, [], [BIB_AALST, TONEEL]),
    "bert": (False, [], [DE_WERF]),
    "greet": (False, [], [BIB_GENT]),
}


@dataclass(frozen=True)
class DemoMembership:
    uid: str
    first_name: str
    name: str
    date_of_birth: datetime.date | None
    postal_code: str
    card_system: str
    status: str
    current_card: str
    # Days from today to the kansenstatuut end date; "end_of_year" for 31 December.
    kansenstatuut_end: int | Literal["end_of_year"] | None


PASSHOLDERS = [
    DemoMembership(
        "8d80e3b6-80a2-4e2f-8bbb-cd2a72809d77",
        "Ellen",
        "Vanmaele",
        datetime.date(1990, 5, 12),
        "9300",
        AALST,
        "ACTIVE",
        "0930000001410",
        "end_of_year",
    ),
    DemoMembership(
        "f30706af-03b8-4d4d-96d5-9625ebfcef8c",
        "Pieter",
        "Janssen",
        datetime.date(2012, 3, 1),
        "9300",
        AALST,
        "ACTIVE",
        "0930056878802",
        None,
    ),
    DemoMembership(
        "3d9f10e5-b03a-46b1-bccc-3a8b13a0a849",
        "Marc",
        "Peeters",
        datetime.date(1985, 11, 2),
        "9000",
        GENT,
        "ACTIVE",
        "0945000000105",
        None,
    ),
    DemoMembership(
        "b76fec3d-71d2-4da0-8837-543b5e1d17db",
        "Sofie",
        "Claes",
        datetime.date(2000, 1, 20),
        "9320",
        AALST,
        "BLOCKED",
        "0930000004000",
        None,
    ),
    DemoMembership(
        "315cdeb7-1d33-4481-91bc-e2d32016a0e9",
        "Tom",
        "Maes",
        None,
        "9300",
        AALST,
        "ACTIVE",
        "0930000001717",
        -60,
    ),
]

# uitpas number: (chip number, status, balie)
CARDS = {
    "0930000001410": ("04A1000000001410", CardStatus.ACTIVE, None),
    "0930056878802": ("04A1000056878802", CardStatus.ACTIVE, None),
    "0945000000105": ("04B1000000000105", CardStatus.ACTIVE, None),
    "0930000004000": ("04A1000000004000", CardStatus.ACTIVE, None),
    "0930000001717": ("04A1000000001717", CardStatus.ACTIVE, None),
    "0930000000107": ("04A1000000000107", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000000206": ("04A1000000000206", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000000305": ("04A1000000000305", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000000404": ("04A1000000000404", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000001113": ("04A1000000001113", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000001212": ("04A1000000001212", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000001311": ("04A1000000001311", CardStatus.LOCAL_STOCK, BIB_AALST),
    "0930000000503": ("04A1000000000503", CardStatus.LOCAL_STOCK, DE_WERF),
    "0930000000602": ("04A1000000000602", CardStatus.LOCAL_STOCK, DE_WERF),
    "0930000000701": ("04A1000000000701", CardStatus.SENT_TO_BALIE, BIB_AALST),
    "0930000000800": ("04A1000000000800", CardStatus.STOCK, None),
    "0930000000909": (None, CardStatus.PROVISIONED, None),
    "0930000002004": ("04A1000000002004", CardStatus.BLOCKED, None),
    "0945000000204": ("04B1000000000204", CardStatus.LOCAL_STOCK, BIB_GENT),
    "0945000000303": ("04B1000000000303", CardStatus.LOCAL_STOCK, BIB_GENT),
    "0945000001111": ("04B1000000001111", CardStatus.LOCAL_STOCK, BIB_GENT),
}

# OAuth 1.0a consumers, with fixed demo secrets: key: (name, secret, the balie whose own it is)
OAUTH_CONSUMERS = {
    "demo-balie-app": ("Demo balie application", "demo-balie-app-secret", None),
    BALIES[BIB_AALST][0]: (BIB_AALST, "bibliotheek-aalst-secret", BIB_AALST),
}
# access token: (token secret, user, consumer key)
OAUTH_TOKENS = {
    "ann-demo-token": ("ann-demo-token-secret", "ann", "demo-balie-app"),
    "bert-demo-token": ("bert-demo-token-secret", "bert", "demo-balie-app"),
    "ann-aalst-token": ("ann-aalst-token-secret", "ann", BALIES[BIB_AALST][0]),
}

# voucher type name: (prefix, card system, {number: redeemed})
VOUCHERS = {
    "Gratis UiTPAS": ("100", AALST, {"1000001": False, "1000002": False, "1000003": True}),
    "Welkom in Gent": ("200", GENT, {"2000001": False}),
}

R = NewCardReason
# The demo price lists (card type CARD), per card system:
# (reason, kansenstatuut, voucher type name or None, age from, age to, also for unknown age, price).
# Each combination of card system, reason, card type, kansenstatuut and voucher type is the
# demo's: loading gives it exactly these rows. "0 to 17" is written as "up to 17".
_ANY_AGE: tuple[None, None, bool] = (None, None, True)
_GRATIS = "Gratis UiTPAS"
_WELKOM = "Welkom in Gent"
# (reason, kansenstatuut, voucher type name, age from, age to, also for unknown age, price)
type DemoPrice = tuple[str, bool, str | None, int | None, int | None, bool, str]
PRICES: dict[str, list[DemoPrice]] = {
    AALST: [
        *(
            row
            for reason in (FIRST_CARD, R.EXTRA_CARD)
            for row in (
                (reason, False, None, None, 17, False, "2.00"),
                (reason, False, None, 18, None, True, "5.00"),
                (reason, True, None, *_ANY_AGE, "1.00"),
            )
        ),
        *(
            (reason, kansenstatuut, None, *_ANY_AGE, price)
            for reason in (R.LOSS_THEFT, R.DEFECT)
            for kansenstatuut, price in ((False, "5.00"), (True, "1.00"))
        ),
        (R.CARD_UPGRADE, False, None, *_ANY_AGE, "2.00"),
        (R.CARD_UPGRADE, True, None, *_ANY_AGE, "0.50"),
        (R.OBTAIN_KANSENSTATUUT, True, None, *_ANY_AGE, "0.00"),
        (R.LOSS_KANSENSTATUUT, False, None, *_ANY_AGE, "0.00"),
        *(
            (reason, kansenstatuut, _GRATIS, *_ANY_AGE, "0.00")
            for reason in (
                FIRST_CARD,
                R.EXTRA_CARD,
                R.LOSS_THEFT,
                R.DEFECT,
                R.CARD_UPGRADE,
                R.OBTAIN_KANSENSTATUUT,
                R.LOSS_KANSENSTATUUT,
            )
            for kansenstatuut in (False, True)
        ),
    ],
    # "Any age" in Gent: a date of birth that is unknown too.
    GENT: [
        *(
            (reason, kansenstatuut, None, *_ANY_AGE, price)
            for reason in (R.LOSS_THEFT, R.DEFECT, FIRST_CARD, R.EXTRA_CARD)
            for kansenstatuut, price in ((False, "7.00"), (True, "1.50"))
        ),
        *(
            (reason, kansenstatuut, _WELKOM, *_ANY_AGE, "0.00")
            for reason in (FIRST_CARD, R.EXTRA_CARD)
            for kansenstatuut in (False, True)
        ),
    ],
}


def _put[M: models.Model](
    model: type[M], lookup: dict, fields: dict, *, or_by: dict | None = None
) -> tuple[M, bool]:
    """The object found by ``lookup`` with ``fields`` set (found by ``or_by`` instead, the
    values of ``lookup`` too), created if missing, saved only when something differs; and
    whether anything was written."""
    # _default_manager: the demo's models have no manager but ``objects``.
    obj = model._default_manager.filter(**lookup).first()
    wanted = fields
    if obj is None and or_by is not None:
        obj = model._default_manager.filter(**or_by).first()
        wanted = {**lookup, **fields}
    if obj is None:
        return model._default_manager.create(**lookup, **fields), True
    changed = [name for name, value in wanted.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, wanted[name])
        obj.save(update_fields=changed)
    return obj, bool(changed)


@transaction.atomic
def load_demo_data(*, today: datetime.date | None = None) -> int:
    """Put the demo data set in place; returns how many objects it wrote."""
    today = today or timezone.localdate()
    writes = 0

    def put(model, lookup, fields, *, or_by=None):
        nonlocal writes
        obj, written = _put(model, lookup, fields, or_by=or_by)
        writes += written
        return obj, written

    card_systems = {
        name: put(
            CardSystem,
            {"number_prefix": prefix},
            {"name": name, "kansenstatuut_grace_days": grace},
            or_by={"name": name},
        )[0]
        for name, (prefix, grace) in CARD_SYSTEMS.items()
    }

    # A card or a consumer of no balie looks up None: it finds none.
    balies: dict[str | None, Balie] = {}
    for name, (key, card_system_name, perms) in BALIES.items():
        balie, _ = put(Balie, {"consumer_key": key}, {"name": name})
        balies[name] = balie
        card_system = card_systems[card_system_name]
        if set(balie.card_systems.all()) != {card_system}:
            balie.card_systems.set([card_system])
            writes += 1
        writes += _set_perms(balie.permission_group, card_system, perms)

    User = get_user_model()
    for username, (superuser, administered, works_at) in USERS.items():
        user, created = put(
            User,
            {"username": username},
            {"is_staff": True, "is_superuser": superuser, "is_active": True},
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            writes += 1
        for name in administered:
            writes += _set_perms(user, card_systems[name], set(Perm))
        wanted = {balies[name] for name in works_at}
        if set(user.balies.all()) != wanted:
            user.balies.set(wanted)
            writes += 1

    passholders = {
        demo.current_card: put(
            Passholder,
            {"uid": demo.uid},
            {
                "first_name": demo.first_name,
                "name": demo.name,
                "date_of_birth": demo.date_of_birth,
                "postal_code": demo.postal_code,
            },
        )[0]
        for demo in PASSHOLDERS
    }

    # A demo card handed to someone outside the demo goes back too: they lose it.
    writes += (
        Membership.objects.filter(current_card__uitpas_number__in=CARDS)
        .exclude(passholder__in=passholders.values())
        .update(current_card=None)
    )
    for number, (chip, status, balie_name) in CARDS.items():
        card, written = put(
            Card,
            {"uitpas_number": number},
            {
                "chip_number": chip,
                "card_system": card_systems[AALST if number.startswith("09300") else GENT],
                "card_type": CardType.CARD,
                "status": status,
                "balie": balies.get(balie_name),
                "passholder": passholders.get(number),
            },
        )
        if written:
            # The demo describes each card as it is now, with no past: one history row.
            CardHistory.objects.filter(card=card).delete()
            CardHistory.objects.create(
                card=card, from_status="", to_status=status, reason=CardHistory.Reason.CREATED
            )

    for demo in PASSHOLDERS:
        passholder = passholders[demo.current_card]
        card_system = card_systems[demo.card_system]
        end = demo.kansenstatuut_end
        end_date = (
            datetime.date(today.year, 12, 31)
            if end == "end_of_year"
            else None
            if end is None
            else today + datetime.timedelta(days=end)
        )
        put(
            Membership,
            {"passholder": passholder, "card_system": card_system},
            {
                "status": demo.status,
                "current_card": Card.objects.get(uitpas_number=demo.current_card),
                "kansenstatuut": end_date is not None,
                "kansenstatuut_end_date": end_date,
            },
        )
        extra, _ = Membership.objects.filter(passholder=passholder).exclude(card_system=card_system).delete()
        writes += extra

    # A price row of no voucher type looks up None: it finds none.
    voucher_types: dict[str | None, VoucherType] = {}
    for type_name, (prefix, card_system_name, numbers) in VOUCHERS.items():
        card_system = card_systems[card_system_name]
        voucher_type, _ = put(
            VoucherType,
            {"card_system": card_system, "prefix": prefix},
            {"name": type_name},
            or_by={"card_system": card_system, "name": type_name},
        )
        voucher_types[type_name] = voucher_type
        for number, redeemed in numbers.items():
            redeemed_at = None
            if redeemed:
                earlier = Voucher.objects.filter(number=number, redeemed_at__isnull=False).first()
                redeemed_at = earlier.redeemed_at if earlier else timezone.now()
            put(
                Voucher,
                {"number": number},
                {
                    "voucher_type": voucher_type,
                    "redeemed_at": redeemed_at,
                    "redeemed_by": None,
                    "redeemed_balie": None,
                    "redeemed_card": None,
                },
            )

    writes += _put_prices(card_systems, voucher_types)

    consumers = {}
    for key, (name, secret, balie_name) in OAUTH_CONSUMERS.items():
        consumer, _ = put(Consumer, {"key": key}, {"name": name, "balie": balies.get(balie_name)})
        writes += _keep_secret(consumer, secret)
        consumers[key] = consumer
    for token, (secret, username, consumer_key) in OAUTH_TOKENS.items():
        access_token, _ = put(
            AccessToken,
            {"token": token},
            {
                "user": User.objects.get(username=username),
                "consumer": consumers[consumer_key],
                "revoked_at": None,
            },
        )
        writes += _keep_secret(access_token, secret)
    return writes


def _put_prices(card_systems: dict[str, CardSystem], voucher_types: dict[str | None, VoucherType]) -> int:
    """Give each demo combination (card system, reason, CARD, kansenstatuut, voucher
    type) exactly its demo rows: an existing row is kept (sales name it) and put back,
    found by where its age range starts; other rows of the combination go, since they
    would fit the same registrations. Rows of other combinations are left alone. How
    many rows were written."""
    combinations: dict[
        tuple[CardSystem, str, bool, VoucherType | None],
        list[tuple[int | None, int | None, bool, Decimal]],
    ] = {}
    for card_system_name, demo_rows in PRICES.items():
        for reason, kansenstatuut, voucher_type_name, age_from, age_to, unknown_age, price in demo_rows:
            key = (
                card_systems[card_system_name],
                reason,
                kansenstatuut,
                voucher_types.get(voucher_type_name),
            )
            combinations.setdefault(key, []).append((age_from, age_to, unknown_age, Decimal(price)))
    writes = 0
    for (card_system, reason, kansenstatuut, voucher_type), rows in combinations.items():
        combination = UitpasPrice.objects.filter(
            card_system=card_system,
            reason=reason,
            card_type=CardType.CARD,
            kansenstatuut=kansenstatuut,
            voucher_type=voucher_type,
        )
        kept: dict[int | None, UitpasPrice] = {}
        for row in combination.order_by("pk"):
            kept.setdefault(row.age_from, row)
        kept = {age_from: row for age_from, row in kept.items() if age_from in {start for start, *_ in rows}}
        writes += combination.exclude(pk__in=[row.pk for row in kept.values()]).delete()[0]
        # The row for unknown age last: the index allows one per combination at a time.
        for age_from, age_to, unknown_age, amount in sorted(rows, key=lambda row: row[2]):
            wanted = {"age_to": age_to, "use_when_age_unknown": unknown_age, "price": amount}
            existing = kept.get(age_from)
            if existing is None:
                UitpasPrice.objects.create(
                    card_system=card_system,
                    reason=reason,
                    card_type=CardType.CARD,
                    kansenstatuut=kansenstatuut,
                    voucher_type=voucher_type,
                    age_from=age_from,
                    **wanted,
                )
                writes += 1
                continue
            changed = [name for name, value in wanted.items() if getattr(existing, name) != value]
            if changed:
                for name in changed:
                    setattr(existing, name, wanted[name])
                existing.save(update_fields=changed)
                writes += 1
    return writes


def _keep_secret(holder: Consumer | AccessToken, secret: str) -> int:
    """Seal the demo secret unless it is sealed already (a seal differs every time)."""
    try:
        if holder.sealed_secret and holder.secret == secret:
            return 0
    except SealBroken:
        pass
    holder.sealed_secret = seal(secret)
    holder.save(update_fields=["sealed_secret"])
    return 1


def _set_perms(holder, card_system: CardSystem, wanted: set[Perm]) -> int:
    """Give ``holder`` exactly the ``wanted`` rights on the card system; how many changed."""
    held = {perm for perm in Perm if perm.value in get_perms(holder, card_system)}
    for perm in wanted - held:
        assign_perm(perm.full_name, holder, card_system)
    for perm in held - wanted:
        remove_perm(perm.full_name, holder, card_system)
    return len(wanted ^ held)

"""Reads about card systems, balies, rights and cards."""

import re
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import batched

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from cardsystems.models import Balie, Card, CardStatus, CardSystem
from cardsystems.permissions import CardSystemPermission
from cardsystems.uitpas_numbers import is_kansenpas_number, parse_uitpas_number
from uitid.models import UserIdentity
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.prepared_sql import Columns, column, one, per_vendor, table
from uitpas_site.users import AnyUser


def user_has_permission(*, user: AnyUser, permission: CardSystemPermission, card_system: CardSystem) -> bool:
    """Whether the person holds the right themselves (as card system administrator or
    superuser); the balies they work at do not count."""
    return user.is_active and user.has_perm(permission.full_name, card_system)


def is_card_system_administrator(user: AnyUser) -> bool:
    """A superuser, or a person holding the stock-management right on some card system."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return UserObjectPermission.objects.filter(
        user_id=user.pk,
        permission__codename=CardSystemPermission.MANAGE_STOCK.value,
        content_type=ContentType.objects.get_for_model(CardSystem),
    ).exists()


def staff_balies(user: AnyUser) -> QuerySet[Balie]:
    """The balies the person works at (an anonymous one: none)."""
    if isinstance(user, AnonymousUser):
        return Balie.objects.none()
    return Balie.objects.filter(staff__id=user.pk)


def balies_of(user: AnyUser, *, limit: int | None = None) -> list[Balie]:
    """The balies the person works at, by name."""
    balies = staff_balies(user).order_by("name", "pk")
    return list(balies[:limit] if limit else balies)


@per_vendor
def _balie_statement():
    """The balie with a consumer key, and whether a user works there: the first read of
    every API request that names a balie, so composed once (``uitpas_site.prepared_sql``)."""
    balie = Columns(Balie, "b")
    staff = Balie.staff.through
    sql = (
        f"SELECT {balie.sql}, EXISTS(SELECT 1 FROM {table(staff)} s"
        f" WHERE s.{column(staff, 'balie')} = b.{column(Balie, 'id')} AND s.{column(staff, 'user')} = %s)"
        f" FROM {table(Balie)} b WHERE b.{column(Balie, 'consumer_key')} = %s"
    )
    return sql, balie


def balie_acted_for(*, consumer_key: str, user: AnyUser, needed: CardSystemPermission | None) -> Balie:
    """The balie named by a consumer key, which the person must work at (superusers may
    act for any balie): UNKNOWN_BALIE_CONSUMERKEY or ACCESS_DENIED otherwise. One query.

    ``needed`` is the right the request asks for, reported in ``requiredPermission``
    (None for a request that needs no right, only a place at the balie).
    """
    balie, works_here = None, False
    # No key holds a NUL, and PostgreSQL cannot even be asked about one.
    if "\x00" not in consumer_key:
        sql, columns = _balie_statement()
        row = one(sql, [user.pk, consumer_key])
        if row is not None:
            balie, works_here = columns.instance(row[: len(columns)]), bool(row[-1])
    if balie is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_BALIE_CONSUMERKEY,
            _("No balie has the consumer key %(key)s.") % {"key": consumer_key[:80]},
            field="balie",
        )
    if not (works_here or user.is_superuser):
        raise UitpasError(
            ErrorCode.ACCESS_DENIED,
            _("You do not work at %(balie)s.") % {"balie": balie},
            field="balie",
            required_permission=needed.api_name if needed else None,
        )
    return balie


def card_system_ids_with_rights(
    *, user: AnyUser, balie: Balie | None = None, permission: CardSystemPermission | None = None
) -> set[int] | None:
    """The card systems on which the viewer holds any right (or ``permission`` when
    given): through ``balie`` only when given, otherwise through every balie they work at
    and their own rights. None means every card system (a superuser acting for no balie).

    The API shows a passholder with it, and the admin scopes its passholder pages with it.
    """
    card_system_type = ContentType.objects.get_for_model(CardSystem)
    only = {} if permission is None else {"permission__codename": permission.value}
    if balie is not None:
        object_pks = GroupObjectPermission.objects.filter(
            group_id=balie.permission_group_id, content_type=card_system_type, **only
        ).values_list("object_pk", flat=True)
        return {int(pk) for pk in object_pks}
    if not user.is_active:
        return set()
    if user.is_superuser:
        return None
    through_groups = GroupObjectPermission.objects.filter(
        Q(group__balie__staff__id=user.pk) | Q(group__user__id=user.pk),
        content_type=card_system_type,
        **only,
    ).values_list("object_pk", flat=True)
    own = UserObjectPermission.objects.filter(
        user_id=user.pk, content_type=card_system_type, **only
    ).values_list("object_pk", flat=True)
    return {int(pk) for pk in through_groups.union(own)}


def in_card_systems(queryset: QuerySet, card_system_ids: set[int] | None, *, path: str = "card_system_id"):
    """The rows of ``queryset`` that belong to one of the card systems (all for None)."""
    if card_system_ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": card_system_ids})


def administered_card_system_ids(user: AnyUser) -> set[int] | None:
    """The card systems a person administers: those on which they hold the
    stock-management right themselves (the rights of the balies they work at do not
    count). None means every card system (a superuser)."""
    if not user.is_active:
        return set()
    if user.is_superuser:
        return None
    object_pks = UserObjectPermission.objects.filter(
        user_id=user.pk,
        permission__codename=CardSystemPermission.MANAGE_STOCK.value,
        content_type=ContentType.objects.get_for_model(CardSystem),
    ).values_list("object_pk", flat=True)
    return {int(pk) for pk in object_pks}


def staff_candidates(*, administered: set[int] | None, balie: Balie | None) -> QuerySet:
    """The people someone who administers ``administered`` (None: every card system, a
    superuser) may put on a balie's staff, by username.

    Active people who may log in to the back-office. A card system administrator is
    offered no superusers, nobody whose own rights (directly or through a group) reach a
    card system they do not administer, and only people who work at no balie yet or at
    a balie of one of their card systems: not the clerks of other card systems. The
    balie's current staff stay on offer, so that saving its page never drops one of them
    unasked (an inactive clerk, say).
    """
    people = get_user_model().objects.filter(is_active=True, is_staff=True)
    if administered is not None:
        card_system_type = ContentType.objects.get_for_model(CardSystem)
        theirs = [str(pk) for pk in administered]
        rights_elsewhere = (
            UserObjectPermission.objects.filter(content_type=card_system_type)
            .exclude(object_pk__in=theirs)
            .values("user_id")
        )
        group_rights_elsewhere = (
            GroupObjectPermission.objects.filter(content_type=card_system_type, group__user__isnull=False)
            .exclude(object_pk__in=theirs)
            .values("group__user")
        )
        staff = Balie.staff.through.objects
        at_their_balies = staff.filter(balie__card_systems__in=administered).values("user_id")
        people = (
            people.filter(is_superuser=False)
            .exclude(pk__in=rights_elsewhere)
            .exclude(pk__in=group_rights_elsewhere)
            .filter(Q(pk__in=at_their_balies) | ~Q(pk__in=staff.values("user_id")))
        )
    if balie is not None and balie.pk is not None:
        people = get_user_model().objects.filter(
            Q(pk__in=people.values("pk")) | Q(pk__in=balie.staff.values("pk"))
        )
    return people.order_by(get_user_model().USERNAME_FIELD)


def balie_permissions(balie: Balie) -> dict[int, set[CardSystemPermission]]:
    """The rights the balie holds, per card system id."""
    held: dict[int, set[CardSystemPermission]] = {}
    rows = GroupObjectPermission.objects.filter(
        group_id=balie.permission_group_id,
        content_type=ContentType.objects.get_for_model(CardSystem),
        permission__codename__in=[perm.value for perm in CardSystemPermission],
    ).values_list("object_pk", "permission__codename")
    for object_pk, codename in rows:
        held.setdefault(int(object_pk), set()).add(CardSystemPermission(codename))
    return held


def acting_balie(*, user: AnyUser, consumer_key: str | None, needed: CardSystemPermission) -> Balie | None:
    """The balie a request acts for, as newCard reads it: the one named by the consumer
    key; without one, the only balie the person works at, or no balie for a card system
    administrator; otherwise MISSING_REQUIRED_FIELDS."""
    if consumer_key:
        return balie_acted_for(consumer_key=consumer_key, user=user, needed=needed)
    balies = balies_of(user, limit=2)
    if len(balies) == 1:
        return balies[0]
    if is_card_system_administrator(user):
        return None
    raise UitpasError(
        ErrorCode.MISSING_REQUIRED_FIELDS,
        _("balieConsumerKey is required: say which balie you act for."),
        field="balie",
    )


@dataclass(frozen=True)
class CardCounter:
    card_system: CardSystem
    status: CardStatus
    kansenpas: bool
    count: int


# The order of the counters: a card is sent before it arrives; regular cards first.
COUNTED_STATUSES = (CardStatus.SENT_TO_BALIE, CardStatus.LOCAL_STOCK)


def balie_card_counters(*, user: AnyUser, balie_consumer_key: str | None) -> list[CardCounter]:
    """How many cards the balie holds, per card system, status (sent, arrived) and kind
    (kansenpas or not), zeros included. For its staff (and superusers) only."""
    consumer_key = (balie_consumer_key or "").strip()
    if not consumer_key:
        raise UitpasError(
            ErrorCode.MISSING_REQUIRED_FIELDS, _("balieConsumerKey is required."), field="balie"
        )
    balie = balie_acted_for(consumer_key=consumer_key, user=user, needed=None)
    counts = {
        (card_system_id, status, kansenpas): count
        for (_balie_id, card_system_id, status, kansenpas), count in cards_at_balies(
            balie_ids=[balie.pk]
        ).items()
    }
    # A card system the balie no longer belongs to still counts while its cards are there.
    card_systems = CardSystem.objects.filter(
        Q(balies=balie) | Q(pk__in={card_system_id for card_system_id, _, _ in counts})
    ).distinct()
    return [
        CardCounter(card_system, status, kansenpas, counts.get((card_system.pk, status, kansenpas), 0))
        for card_system in card_systems.order_by("name", "pk")
        for status in COUNTED_STATUSES
        for kansenpas in (False, True)
    ]


def cards_at_balies(
    *, balie_ids: Collection[int] | None = None, card_system_ids: Collection[int] | None = None
) -> dict[tuple[int, int, str, bool], int]:
    """How many cards are sent to or arrived at balies, by (balie id, card system id,
    status, kansenpas): of the balies and card systems given (None: all). One query,
    the count of countCards (:func:`balie_card_counters`) and of the stock overview."""
    cards = Card.objects.filter(balie__isnull=False, status__in=COUNTED_STATUSES)
    if balie_ids is not None:
        cards = cards.filter(balie_id__in=balie_ids)
    if card_system_ids is not None:
        cards = cards.filter(card_system_id__in=card_system_ids)
    rows = (
        cards.order_by()
        .values_list("balie_id", "card_system_id", "status", "kansenpas")
        .annotate(count=Count("pk"))
    )
    return {
        (balie_id, card_system_id, status, kansenpas): count
        for balie_id, card_system_id, status, kansenpas, count in rows
    }


@dataclass(frozen=True)
class BalieStock:
    """The stock of one balie in one card system: cards sent (on their way) and arrived
    (to hand out), regular and kansenpas."""

    balie: Balie
    card_system: CardSystem
    sent_regular: int
    sent_kansenpas: int
    arrived_regular: int
    arrived_kansenpas: int

    @property
    def arrived(self) -> int:
        return self.arrived_regular + self.arrived_kansenpas

    @property
    def sent(self) -> int:
        return self.sent_regular + self.sent_kansenpas

    @property
    def below_minimum(self) -> bool:
        return self.arrived < self.balie.minimum_stock


def stock_per_balie(*, card_system_ids: set[int] | None) -> list[BalieStock]:
    """The stock of every balie in each of the card systems (None: all), by card system
    and balie name: the balies that serve a card system, and any that still holds its
    cards after leaving it (as countCards counts them). Four queries, however many
    balies."""
    counts = cards_at_balies(card_system_ids=card_system_ids)
    serving = Balie.card_systems.through.objects.all()
    if card_system_ids is not None:
        serving = serving.filter(cardsystem_id__in=card_system_ids)
    pairs = set(serving.values_list("balie_id", "cardsystem_id"))
    pairs |= {(balie_id, card_system_id) for balie_id, card_system_id, _status, _kansenpas in counts}
    balies = Balie.objects.in_bulk({balie_id for balie_id, _cs in pairs})
    card_systems = CardSystem.objects.in_bulk({card_system_id for _balie, card_system_id in pairs})

    def count(balie_id: int, card_system_id: int, status: CardStatus, kansenpas: bool) -> int:
        return counts.get((balie_id, card_system_id, status, kansenpas), 0)

    rows = [
        BalieStock(
            balies[balie_id],
            card_systems[card_system_id],
            sent_regular=count(balie_id, card_system_id, CardStatus.SENT_TO_BALIE, False),
            sent_kansenpas=count(balie_id, card_system_id, CardStatus.SENT_TO_BALIE, True),
            arrived_regular=count(balie_id, card_system_id, CardStatus.LOCAL_STOCK, False),
            arrived_kansenpas=count(balie_id, card_system_id, CardStatus.LOCAL_STOCK, True),
        )
        for balie_id, card_system_id in pairs
    ]
    return sorted(
        rows, key=lambda row: (row.card_system.name, row.card_system.pk, row.balie.name, row.balie.pk)
    )


@dataclass(frozen=True)
class BalieCardSystem:
    """A card system of a balie, with the rights the balie holds on it (in the order of
    :class:`CardSystemPermission`)."""

    card_system: CardSystem
    permissions: list[CardSystemPermission]


@dataclass(frozen=True)
class BalieWorkedAt:
    balie: Balie
    card_systems: list[BalieCardSystem]


def balies_of_uid(*, user: AnyUser, uid: str | None) -> list[BalieWorkedAt]:
    """The balies the person with that uid works at (by name), each with its card systems
    (its own and any it holds a right on, by name) and its rights there.

    People may ask about themselves, superusers about anyone. Checked in this order:
    MISSING_REQUIRED_FIELDS (no uid); ACCESS_DENIED for anyone but a superuser asking
    about a uid that is not their own (also an unknown or malformed one, so that
    nothing is learnt about other uids); UNKNOWN_USER (no user has that uid). The same
    few queries however many balies.
    """
    uid = (uid or "").strip()
    if not uid:
        raise UitpasError(
            ErrorCode.MISSING_REQUIRED_FIELDS, _("%(field)s is required.") % {"field": "uid"}, field="uid"
        )
    try:
        parsed_uid = uuid.UUID(uid)
    except ValueError:
        identity = None
    else:
        identity = UserIdentity.objects.select_related("user").filter(uid=parsed_uid).first()
    if not user.is_superuser and (identity is None or identity.user_id != user.pk):
        raise UitpasError(ErrorCode.ACCESS_DENIED, _("You may only list your own balies."), field="uid")
    if identity is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_USER, _("No user has the uid %(uid)s.") % {"uid": uid[:80]}, field="uid"
        )
    return _balies_with_rights(identity.user)


def _balies_with_rights(person: AnyUser) -> list[BalieWorkedAt]:
    balies = list(staff_balies(person).order_by("name", "pk"))
    if not balies:
        return []
    card_system_ids: dict[int, set[int]] = {balie.pk: set() for balie in balies}
    links = Balie.card_systems.through.objects.filter(balie__in=balies).values_list(
        "balie_id", "cardsystem_id"
    )
    for balie_id, card_system_id in links:
        card_system_ids[balie_id].add(card_system_id)
    held: dict[tuple[int, int], set[CardSystemPermission]] = {}
    balie_of_group = {balie.permission_group_id: balie.pk for balie in balies}
    rights = GroupObjectPermission.objects.filter(
        group_id__in=balie_of_group,
        content_type=ContentType.objects.get_for_model(CardSystem),
        permission__codename__in=[perm.value for perm in CardSystemPermission],
    ).values_list("group_id", "object_pk", "permission__codename")
    for group_id, object_pk, codename in rights:
        balie_id = balie_of_group[group_id]
        card_system_ids[balie_id].add(int(object_pk))
        held.setdefault((balie_id, int(object_pk)), set()).add(CardSystemPermission(codename))
    wanted = set().union(*card_system_ids.values())
    card_systems = sorted(CardSystem.objects.filter(pk__in=wanted), key=lambda cs: (cs.name, cs.pk))
    return [
        BalieWorkedAt(
            balie,
            [
                BalieCardSystem(
                    card_system,
                    [
                        perm
                        for perm in CardSystemPermission
                        if perm in held.get((balie.pk, card_system.pk), ())
                    ],
                )
                for card_system in card_systems
                if card_system.pk in card_system_ids[balie.pk]
            ],
        )
        for balie in balies
    ]


def normalized_chip_number(raw: str) -> str:
    """A chip number as stored: hex digits in upper case, without surrounding spaces."""
    return raw.strip().upper()


def is_valid_chip_number(chip_number: str) -> bool:
    return _CHIP_NUMBER.fullmatch(chip_number) is not None


_CHIP_NUMBER = re.compile(r"[0-9A-F]{1,32}", re.ASCII)


def card_looked_up(
    *,
    user: AnyUser,
    uitpas_number: str | None,
    chip_number: str | None = None,
    balie_consumer_key: str | None = None,
) -> Card:
    """The card with that UiTPAS number (or, when none is given, that chip number).

    Visible to whoever holds a right in its card system: staff through a balie they
    work at (``balie_consumer_key`` narrows this to that balie), card system
    administrators, superusers.
    """
    uitpas_number = (uitpas_number or "").strip()
    chip_number = normalized_chip_number(chip_number or "")
    if not uitpas_number and not chip_number:
        raise UitpasError(
            ErrorCode.MISSING_REQUIRED_FIELDS,
            _("uitpasNumber or chipNumber is required."),
            field="uitpas_number",
        )
    if uitpas_number:
        uitpas_number = parse_uitpas_number(uitpas_number)
    balie = None
    if balie_consumer_key and balie_consumer_key.strip():
        balie = balie_acted_for(consumer_key=balie_consumer_key.strip(), user=user, needed=None)
    cards = Card.objects.select_related("card_system")
    if uitpas_number:
        card = cards.filter(uitpas_number=uitpas_number).first()
        if card is None:
            raise UitpasError(
                ErrorCode.UNKNOWN_CARD,
                _("No card has the UiTPAS number %(number)s.") % {"number": uitpas_number},
                field="uitpas_number",
            )
    else:
        card = cards.filter(chip_number=chip_number).first() if is_valid_chip_number(chip_number) else None
        if card is None:
            raise UitpasError(
                ErrorCode.UNKNOWN_CHIPNUMBER,
                _("No card has the chip number %(chip)s.") % {"chip": chip_number[:40]},
                field="chip_number",
            )
    visible = card_system_ids_with_rights(user=user, balie=balie)
    if visible is not None and card.card_system_id not in visible:
        raise UitpasError(
            ErrorCode.ACCESS_DENIED,
            _("You hold no right in %(card_system)s.") % {"card_system": card.card_system},
        )
    return card


def generated_batch(*, card_system: CardSystem, first_number: str, last_number: str) -> QuerySet[Card]:
    """The cards of a generated batch: every number of a batch shares the kansenpas digit
    of its first number."""
    return Card.objects.filter(
        card_system=card_system,
        uitpas_number__range=(first_number, last_number),
        kansenpas=is_kansenpas_number(first_number),
    )


def generated_numbers(*, card_system: CardSystem, first_number: str, last_number: str) -> Iterator[str]:
    """The UiTPAS numbers of a generated batch, in order, read in chunks."""
    batch = generated_batch(card_system=card_system, first_number=first_number, last_number=last_number)
    return batch.order_by("uitpas_number").values_list("uitpas_number", flat=True).iterator(chunk_size=5000)


@dataclass(frozen=True)
class StockRights:
    """What a person may see of the stock: the card systems they administer (None: all
    of them, for a superuser) and the balies they work at. Read once (two queries) and
    asked many times by one admin request."""

    administered: set[int] | None
    works_at: set[int]

    @classmethod
    def of(cls, user: AnyUser) -> "StockRights":
        works_at = set(staff_balies(user).values_list("pk", flat=True))
        return cls(administered_card_system_ids(user), works_at if user.is_active else set())

    @property
    def administers_stock(self) -> bool:
        return self.administered is None or bool(self.administered)

    def administers_all(self, card_system_ids: Collection[int]) -> bool:
        """Whether they administer every one of these card systems."""
        return self.administered is None or set(card_system_ids) <= self.administered

    def may_see(self, card: Card) -> bool:
        return (
            self.administered is None
            or card.card_system_id in self.administered
            or card.balie_id in self.works_at
        )

    def cards(self) -> QuerySet[Card]:
        """Every card of the card systems they administer, and the stock (sent or
        arrived) of the balies they work at."""
        if self.administered is None:
            return Card.objects.all()
        # Each condition alone keeps to one index; both only when both are needed.
        visible = Q(pk__in=[])
        if self.administered:
            visible |= Q(card_system_id__in=self.administered)
        if self.works_at:
            visible |= Q(balie_id__in=self.works_at)
        return Card.objects.filter(visible)

    def balies(self) -> QuerySet[Balie]:
        """The balies of the card systems they administer and those they work at."""
        if self.administered is None:
            return Balie.objects.order_by("name", "pk")
        return (
            Balie.objects.filter(Q(card_systems__in=self.administered) | Q(pk__in=self.works_at))
            .distinct()
            .order_by("name", "pk")
        )

    def card_systems(self) -> QuerySet[CardSystem]:
        """The card systems they administer and those of the balies they work at."""
        if self.administered is None:
            return CardSystem.objects.order_by("name", "pk")
        return (
            CardSystem.objects.filter(Q(pk__in=self.administered) | Q(balies__in=self.works_at))
            .distinct()
            .order_by("name", "pk")
        )


@dataclass(frozen=True)
class CardRange:
    """How many cards, and their lowest and highest UiTPAS number."""

    count: int
    first_number: str
    last_number: str


def card_range(*, card_ids: Collection[int]) -> CardRange:
    count, first, last = 0, "", ""
    for batch in batched(sorted(card_ids), 5000):
        found = Card.objects.filter(pk__in=batch).aggregate(
            count=Count("pk"), first=Min("uitpas_number"), last=Max("uitpas_number")
        )
        if found["count"]:
            count += found["count"]
            first = min(first or found["first"], found["first"])
            last = max(last, found["last"])
    return CardRange(count, first, last)

"""Reads about passholders, for the API and the admin."""

import datetime
import uuid
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, When
from django.db.models.functions import Cast, Upper
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission

from cardsystems.models import AuditEntry, Balie, Card, CardHistory, CardStatus, CardSystem, Voucher
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import (
    balie_acted_for,
    card_system_ids_with_rights,
    in_card_systems,
    is_valid_chip_number,
    normalized_chip_number,
    staff_balies,
)
from cardsystems.uitpas_numbers import is_valid_uitpas_number, parse_uitpas_number
from passholders.models import Membership, Passholder
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.users import AnyUser


def passholder_by_card(
    *, user: AnyUser, uitpas_number: str, balie_consumer_key: str | None = None
) -> tuple[Passholder, list[Membership]]:
    """The holder of a card and their memberships that the viewer may see.

    Visible to staff of a balie holding any right in one of the passholder's card
    systems (``balie_consumer_key`` narrows this to that balie), to people holding a
    right there themselves (card system administrators), and to superusers. Only the
    memberships of those card systems are returned.
    """
    number = parse_uitpas_number(uitpas_number)
    balie = _viewing_balie(user=user, balie_consumer_key=balie_consumer_key)
    card = (
        Card.objects.select_related("passholder")
        .filter(uitpas_number=number, passholder__isnull=False)
        .first()
    )
    # The query asked for a card with a passholder; None: there is none.
    if card is None or card.passholder is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_CARD,
            _("No passholder holds a card with the UiTPAS number %(number)s.") % {"number": number},
            field="uitpas_number",
        )
    return card.passholder, _visible_memberships(user=user, balie=balie, passholder=card.passholder)


def passholder_by_uid(
    *, user: AnyUser, uid: str, balie_consumer_key: str | None = None
) -> tuple[Passholder, list[Membership]]:
    """The passholder with that uid and their memberships that the viewer may see, by
    the rules of :func:`passholder_by_card` and in the same order: the balie first,
    then the passholder, then what the viewer may see of them.

    An unknown uid, or one that is no UUID, is UNKNOWN_PASSHOLDER_UID with HTTP 404, as
    the v3 API answers it.
    """
    balie = _viewing_balie(user=user, balie_consumer_key=balie_consumer_key)
    uid = uid.strip()
    passholder = None
    try:
        passholder = Passholder.objects.filter(uid=uuid.UUID(uid)).first()
    except ValueError:
        pass
    if passholder is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_PASSHOLDER_UID,
            _("No passholder has the uid %(uid)s.") % {"uid": uid[:80]},
            field="uid",
            http_status=404,
        )
    return passholder, _visible_memberships(user=user, balie=balie, passholder=passholder)


def _viewing_balie(*, user: AnyUser, balie_consumer_key: str | None) -> Balie | None:
    """The balie named by ``balieConsumerKey``, which narrows what the viewer sees to its
    rights; None when no key is given."""
    if not balie_consumer_key:
        return None
    return balie_acted_for(
        consumer_key=balie_consumer_key, user=user, needed=CardSystemPermission.PASSHOLDER_CREATE
    )


def _visible_memberships(*, user: AnyUser, balie: Balie | None, passholder: Passholder) -> list[Membership]:
    """The passholder's memberships of the card systems where the viewer (or the balie)
    holds a right, by card system name; ACCESS_DENIED when there is none."""
    visible = card_system_ids_with_rights(user=user, balie=balie)
    memberships = [
        membership
        for membership in Membership.objects.filter(passholder=passholder)
        .select_related("card_system", "current_card")
        .order_by("card_system__name")
        if visible is None or membership.card_system_id in visible
    ]
    if visible is not None and not memberships:
        raise UitpasError(
            ErrorCode.ACCESS_DENIED,
            _("You hold no right in the card systems of this passholder."),
            required_permission=CardSystemPermission.PASSHOLDER_CREATE.api_name,
        )
    return memberships


def passholders_with_membership(
    passholders: QuerySet[Passholder], *, card_system_ids: set[int] | None, condition: Q | None = None
) -> QuerySet[Passholder]:
    """The passholders with a membership in one of the card systems (any for None) that
    meets ``condition``: one membership must meet all of it."""
    memberships = Membership.objects.filter(condition or Q(), passholder=OuterRef("pk"))
    memberships = in_card_systems(memberships, card_system_ids)
    return passholders.filter(Exists(memberships))


def kansenstatuut_counts_condition(today: datetime.date) -> Q:
    """The memberships whose kansenstatuut still counts on ``today``, as
    :meth:`Membership.kansenstatuut_counts` decides: end date plus the card system's grace
    period not passed."""
    per_card_system = [
        Q(card_system_id=pk, kansenstatuut_end_date__gte=today - datetime.timedelta(days=grace_days))
        for pk, grace_days in CardSystem.objects.values_list("pk", "kansenstatuut_grace_days")
    ]
    return Q(kansenstatuut=True) & reduce(or_, per_card_system, Q(pk__in=[]))


# The counter's lookup: one field for a scanned or typed UiTPAS number, chip number,
# uid or name. The passholder list's search box finds by the same rules.


class LookupKind(StrEnum):
    UITPAS_NUMBER = "uitpas_number"
    INVALID_UITPAS_NUMBER = "invalid_uitpas_number"  # 13 digits that are no UiTPAS number
    CHIP_NUMBER = "chip_number"
    UID = "uid"
    NAME = "name"


# A name search lists at most this many (and says when there are more)...
NAME_MATCHES_SHOWN = 50
# ...sorted by name from at most this many matches: a term that more passholders match
# ("e") is answered with "type more" rather than by sorting a hundred thousand names.
NAME_MATCHES_SORTED = 25_000


@dataclass(frozen=True)
class PassholderLookup:
    """What a term found: its kind and the passholders (for a name, at most
    ``NAME_MATCHES_SHOWN``, ``more`` when there are others, ``too_many`` when more than
    ``NAME_MATCHES_SORTED`` match and none are listed; for the other kinds at most one)."""

    term: str
    kind: LookupKind
    passholders: list[Passholder]
    more: bool = False
    too_many: bool = False


def lookup_kinds(term: str) -> list[LookupKind]:
    """The kinds a term may be, in the order they are tried: a UiTPAS number (spaces
    allowed inside, as it is printed), a uid, a chip number (hex digits, any case), a
    name (letters, no digits). Only the database says whether "Ada" is a chip number or
    a name."""
    compact = "".join(term.split())
    if compact.isascii() and compact.isdigit() and len(compact) == 13:
        if is_valid_uitpas_number(compact):
            return [LookupKind.UITPAS_NUMBER]
        return [LookupKind.INVALID_UITPAS_NUMBER]
    kinds = []
    if _uuid(compact) is not None:
        kinds.append(LookupKind.UID)
    if is_valid_chip_number(normalized_chip_number(compact)):
        kinds.append(LookupKind.CHIP_NUMBER)
    if any(character.isalpha() for character in compact) and not any(c.isdigit() for c in compact):
        kinds.append(LookupKind.NAME)
    return kinds


def look_up_passholders(term: str, *, card_system_ids: set[int] | None) -> PassholderLookup | None:
    """The counter's lookup among the members of the card systems (any for None), by
    the rules of :func:`search_passholders`; None for a term that can be none of its
    kinds (e.g. "12")."""
    members = passholders_with_membership(Passholder.objects.all(), card_system_ids=card_system_ids)
    matched = _matches(members, term, card_system_ids=card_system_ids)
    if matched is None:
        return None
    kind, passholders = matched
    if (
        kind == LookupKind.NAME
        and passholders.order_by()[: NAME_MATCHES_SORTED + 1].count() > NAME_MATCHES_SORTED
    ):
        return PassholderLookup(term, kind, [], too_many=True)
    found = list(passholders[: NAME_MATCHES_SHOWN + 1])
    return PassholderLookup(term, kind, found[:NAME_MATCHES_SHOWN], more=len(found) > NAME_MATCHES_SHOWN)


def search_passholders(
    passholders: QuerySet[Passholder], term: str, *, card_system_ids: set[int] | None
) -> QuerySet[Passholder]:
    """The passholders a term finds: the holder of a card with that UiTPAS number or chip
    number (also an old, blocked card) of the card systems (any for None), the
    passholder with that uid, or the passholders each word of the term starts the name
    or first name of (case ignored), by name. Nobody for a term that can be none of these;
    everybody for no term. Each kind is one query on an index, also among a million
    passholders."""
    if not term.strip():
        return passholders
    matched = _matches(passholders, term, card_system_ids=card_system_ids)
    return passholders.none() if matched is None else matched[1]


def _matches(
    passholders: QuerySet[Passholder], term: str, *, card_system_ids: set[int] | None
) -> tuple[LookupKind, QuerySet[Passholder]] | None:
    kinds = lookup_kinds(term)
    compact = "".join(term.split())
    for kind in kinds:
        if kind == LookupKind.INVALID_UITPAS_NUMBER:
            return kind, passholders.none()
        if kind == LookupKind.NAME:
            return kind, passholders_named(passholders, term)
        if kind == LookupKind.UID:
            uid = _uuid(compact)
            found = passholders.none() if uid is None else passholders.filter(uid=uid)
        else:
            if kind == LookupKind.UITPAS_NUMBER:
                cards = Card.objects.filter(uitpas_number=compact)
            else:
                cards = Card.objects.filter(chip_number=normalized_chip_number(compact))
            # From the card (its unique index) to its holder, not the other way round.
            holders = in_card_systems(cards, card_system_ids).filter(passholder__isnull=False)
            found = passholders.filter(pk__in=holders.values("passholder_id"))
        # A number, chip or uid belongs to one passholder at most: when this kind
        # found nobody, the term may still be of the next kind.
        if kind == kinds[-1]:
            return kind, found
        pks = list(found.values_list("pk", flat=True)[:1])
        if pks:
            return kind, passholders.filter(pk__in=pks)
    return None


def passholders_named(passholders: QuerySet[Passholder], term: str) -> QuerySet[Passholder]:
    """The passholders each word of ``term`` starts the name or the first name of, case
    ignored, by name. The indexes that serve the prefixes are the database's own
    (migration 0002): SQLite's case-insensitive LIKE on a NOCASE index, PostgreSQL's
    trigram index on the names in upper case."""
    condition = Q()
    for word in term.split():
        starts = Q()
        for spelling in _case_spellings(word):
            starts |= Q(name__istartswith=spelling) | Q(first_name__istartswith=spelling)
        condition &= starts
    return passholders.filter(condition).order_by(*NAME_SEARCH_ORDERING)


# The order of a name search. Not the name index's order (Meta.ordering): PostgreSQL
# would walk that index in name order hoping to meet the matches early, and read most
# of a million names for "Peeters"; sorting the (indexed) matches is quick.
NAME_SEARCH_ORDERING: list[Upper | str] = [Upper("name"), Upper("first_name"), "pk"]


def _case_spellings(word: str) -> list[str]:
    """The spellings of a word to look for. The databases ignore the case of ASCII
    letters in a prefix search, and PostgreSQL of every letter; SQLite's LIKE does not
    for other letters, so "özdemir" is looked for as "Özdemir" and "ÖZDEMIR" too."""
    if word.isascii():
        return [word]
    return list(dict.fromkeys([word, word.capitalize(), word.upper(), word.lower()]))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class ClerkBalie:
    """A balie the person works at, and whether it holds PERMISSION_PASSHOLDER -
    ACTION_CREATE on some card system (so they may register cards there)."""

    balie: Balie
    may_register_cards: bool


def balies_worked_at(user: AnyUser) -> list[ClerkBalie]:
    """The balies the person works at, by name, each with ``may_register_cards``. One query."""
    rights = GroupObjectPermission.objects.filter(
        group_id=OuterRef("permission_group_id"),
        content_type=ContentType.objects.get_for_model(CardSystem),
        permission__codename=CardSystemPermission.PASSHOLDER_CREATE.value,
    )
    balies = staff_balies(user).annotate(may_register_cards=Exists(rights))
    return [ClerkBalie(balie, balie.may_register_cards) for balie in balies.order_by("name", "pk")]


@dataclass(frozen=True)
class PassholderAtAGlance:
    """What the counter shows of a passholder: their memberships of the card systems the
    viewer sees (with the current card), and their cards there (active first)."""

    passholder: Passholder
    memberships: list[Membership]
    cards: list[Card]


def passholder_at_a_glance(
    passholder: Passholder, *, card_system_ids: set[int] | None
) -> PassholderAtAGlance:
    memberships = in_card_systems(
        Membership.objects.filter(passholder=passholder).select_related("card_system", "current_card"),
        card_system_ids,
    ).order_by("card_system__name", "pk")
    cards = in_card_systems(
        Card.objects.filter(passholder=passholder).select_related("card_system"), card_system_ids
    ).order_by(Case(When(status=CardStatus.ACTIVE, then=0), default=1), "card_system__name", "uitpas_number")
    return PassholderAtAGlance(passholder, list(memberships), list(cards))


@dataclass(frozen=True)
class PassholderRecords:
    """What was recorded about a passholder, in the card systems the viewer sees: the
    history of their cards, and the audit log's entries of their memberships and of the
    vouchers redeemed for their cards."""

    card_history: list[CardHistory]
    audit_entries: list[AuditEntry]


def passholder_records(passholder: Passholder, *, card_system_ids: set[int] | None) -> PassholderRecords:
    cards = in_card_systems(Card.objects.filter(passholder=passholder), card_system_ids).values("pk")
    memberships = in_card_systems(Membership.objects.filter(passholder=passholder), card_system_ids)
    vouchers = Voucher.objects.filter(redeemed_card__in=cards)
    card_history = CardHistory.objects.filter(card__in=cards).select_related("card", "user", "balie")
    audit_entries = AuditEntry.objects.filter(
        Q(object_type=Membership._meta.label_lower, object_id__in=_ids_as_text(memberships))
        | Q(object_type=Voucher._meta.label_lower, object_id__in=_ids_as_text(vouchers))
    )
    return PassholderRecords(
        card_history=list(card_history.order_by("-created_at", "-pk")),
        audit_entries=list(audit_entries.order_by("-created_at", "-pk")),
    )


def _ids_as_text(queryset: QuerySet) -> QuerySet:
    """The primary keys as the audit log keeps them (text)."""
    return queryset.annotate(id_text=Cast("pk", CharField())).values("id_text")

"""Reads about passholders, for the API and the admin."""

import datetime
import uuid
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cardsystems.errors import ErrorCode, UitpasError
from cardsystems.models import Balie, Card, CardSystem
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import User, balie_acted_for, card_system_ids_with_rights, in_card_systems
from cardsystems.uitpas_numbers import parse_uitpas_number
from passholders.models import Membership, Passholder


def passholder_by_card(
    *, user: User, uitpas_number: str, balie_consumer_key: str | None = None
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
    if card is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_CARD,
            _("No passholder holds a card with the UiTPAS number %(number)s.") % {"number": number},
            field="uitpas_number",
        )
    return card.passholder, _visible_memberships(user=user, balie=balie, passholder=card.passholder)


def passholder_by_uid(
    *, user: User, uid: str, balie_consumer_key: str | None = None
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


def _viewing_balie(*, user: User, balie_consumer_key: str | None) -> Balie | None:
    """The balie named by ``balieConsumerKey``, which narrows what the viewer sees to its
    rights; None when no key is given."""
    if not balie_consumer_key:
        return None
    return balie_acted_for(
        consumer_key=balie_consumer_key, user=user, needed=CardSystemPermission.PASSHOLDER_CREATE
    )


def _visible_memberships(*, user: User, balie: Balie | None, passholder: Passholder) -> list[Membership]:
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


def search_passholders(
    passholders: QuerySet[Passholder], term: str, *, card_system_ids: set[int] | None
) -> QuerySet[Passholder]:
    """The passholders that a search term of the back-office finds: its uid, the UiTPAS
    number of one of their cards (of the given card systems; spaces inside the number
    are ignored), or names that contain every word of the term."""
    words = term.split()
    if not words:
        return passholders
    matches = reduce(
        lambda both, word: both & (Q(first_name__icontains=word) | Q(name__icontains=word)), words, Q()
    )
    try:
        matches |= Q(uid=uuid.UUID(term.strip()))
    except ValueError:
        pass
    number = "".join(words)
    if number.isascii() and number.isdigit():
        cards = in_card_systems(
            Card.objects.filter(passholder=OuterRef("pk"), uitpas_number=number), card_system_ids
        )
        matches |= Exists(cards)
    return passholders.filter(matches)


def kansenstatuut_counts_condition(today: datetime.date) -> Q:
    """The memberships whose kansenstatuut still counts on ``today``, as
    :meth:`Membership.kansenstatuut_counts` decides: end date plus the card system's grace
    period not passed."""
    per_card_system = [
        Q(card_system_id=pk, kansenstatuut_end_date__gte=today - datetime.timedelta(days=grace_days))
        for pk, grace_days in CardSystem.objects.values_list("pk", "kansenstatuut_grace_days")
    ]
    return Q(kansenstatuut=True) & reduce(or_, per_card_system, Q(pk__in=[]))

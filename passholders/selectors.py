"""Reads about passholders, for the API and the admin."""

from django.utils.translation import gettext_lazy as _

from cardsystems.errors import ErrorCode, UitpasError
from cardsystems.models import Card
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import User, balie_acted_for, card_system_ids_with_rights
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
    balie = None
    if balie_consumer_key:
        balie = balie_acted_for(
            consumer_key=balie_consumer_key,
            user=user,
            needed=CardSystemPermission.PASSHOLDER_CREATE,
        )
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
    visible = card_system_ids_with_rights(user=user, balie=balie)
    memberships = [
        membership
        for membership in Membership.objects.filter(passholder=card.passholder)
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
    return card.passholder, memberships

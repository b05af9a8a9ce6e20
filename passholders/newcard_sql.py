"""The statements of newCard that the ORM would build anew for every request: the
locked card with its card system and the acting balie's right, the locked passholder,
the membership with its current card. Composed once (``uitpas_site.prepared_sql``); the
rules are in ``passholders.services``.

The card and the passholder come locked (the registration) or not (its preview, which
changes nothing and must not hold up a registration): two statements each, composed once.
"""

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from guardian.models import GroupObjectPermission

from cardsystems.models import Card, CardSystem
from passholders.models import Membership, Passholder
from uitpas_site.prepared_sql import Columns, column, for_update, one, per_vendor, prep, table


def _card_statement(*, locked: bool):
    return (_locked_card_statement if locked else _unlocked_card_statement)()


def _compose_card_statement(*, locked: bool):
    card, card_system = Columns(Card, "c"), Columns(CardSystem, "cs")
    right = GroupObjectPermission
    cast = "CAST(cs.{id} AS VARCHAR(255))".format(id=column(CardSystem, "id"))
    sql = (
        f"SELECT {card.sql}, {card_system.sql}, EXISTS(SELECT 1 FROM {table(right)} g"
        f" JOIN {table(Permission)} p ON p.{column(Permission, 'id')} = g.{column(right, 'permission')}"
        f" WHERE g.{column(right, 'group')} = %s AND p.{column(Permission, 'codename')} = %s"
        f" AND g.{column(right, 'content_type')} = %s AND g.{column(right, 'object_pk')} = {cast})"
        f" FROM {table(Card)} c JOIN {table(CardSystem)} cs"
        f" ON cs.{column(CardSystem, 'id')} = c.{column(Card, 'card_system')}"
        f" WHERE c.{column(Card, 'uitpas_number')} = %s{for_update('c') if locked else ''}"
    )
    return sql, card, card_system


_locked_card_statement = per_vendor(lambda: _compose_card_statement(locked=True))
_unlocked_card_statement = per_vendor(lambda: _compose_card_statement(locked=False))


@dataclass(frozen=True)
class CardWithRight:
    """A card, with its card system, and whether the acting balie's group holds the
    right asked for on that card system (False without a group)."""

    card: Card
    balie_may_create: bool


def card_with_right(
    uitpas_number: str, *, right_of_group: int | None, right: str, content_type_id: int, locked: bool
) -> CardWithRight | None:
    """The card (locked when ``locked``), with its card system, and
    ``balie_may_create``: whether the group (a balie's) holds ``right`` on that card
    system."""
    sql, card, card_system = _card_statement(locked=locked)
    row = one(sql, [right_of_group, right, content_type_id, uitpas_number])
    if row is None:
        return None
    found = card.instance(row[: len(card)])
    found.card_system = card_system.instance(row[len(card) : len(card) + len(card_system)])
    return CardWithRight(found, bool(row[-1]))


def _compose_passholder_statement(*, locked: bool):
    passholder = Columns(Passholder, "p")
    sql = (
        f"SELECT {passholder.sql} FROM {table(Passholder)} p WHERE p.{column(Passholder, 'uid')} = %s"
        f"{for_update() if locked else ''}"
    )
    return sql, passholder


_locked_passholder_statement = per_vendor(lambda: _compose_passholder_statement(locked=True))
_unlocked_passholder_statement = per_vendor(lambda: _compose_passholder_statement(locked=False))


def passholder_by_uid(uid: uuid.UUID, *, locked: bool) -> Passholder | None:
    """The passholder (locked when ``locked``)."""
    statement = _locked_passholder_statement if locked else _unlocked_passholder_statement
    sql, passholder = statement()
    row = one(sql, [prep(Passholder, "uid", uid)])
    return None if row is None else passholder.instance(row)


@per_vendor
def _membership_statement():
    membership, card = Columns(Membership, "m"), Columns(Card, "c")
    sql = (
        f"SELECT {membership.sql}, {card.sql} FROM {table(Membership)} m"
        f" LEFT JOIN {table(Card)} c ON c.{column(Card, 'id')} = m.{column(Membership, 'current_card')}"
        f" WHERE m.{column(Membership, 'passholder')} = %s AND m.{column(Membership, 'card_system')} = %s"
    )
    return sql, membership, card


def membership_with_current_card(passholder_id: int, card_system_id: int) -> Membership | None:
    sql, membership, card = _membership_statement()
    row = one(sql, [passholder_id, card_system_id])
    if row is None:
        return None
    found = membership.instance(row[: len(membership)])
    card_values = row[len(membership) :]
    found.current_card = None if card_values[0] is None else card.instance(card_values)
    return found

"""Prices of a new card: the one price function, and the reads of the price endpoints.

:func:`price_of_registration` is the price of a registration, for everything that needs
one: the API's ``GET /uitpas/price``, newCard (what it charges) and the admin. The row
that fits a registration is the card system's row of the same reason and card type,
kansenstatuut equal to whether the card is a kansenpas, and the passholder's age on the
day within its range (or, without a date of birth, the row used when the age is
unknown); with a voucher, the row of the voucher's type when there is one, else the row
without a voucher type (a voucher that this price list does not price changes nothing).
No fitting row: no price is set, and the price is 0.00. The price services keep a price
list free of rows that fit the same registration, so at most one row fits.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission

from cardsystems.models import (
    PRICE_REASON_VALUES,
    REASON_ALIASES,
    Balie,
    Card,
    CardSystem,
    FreeBecause,
    UitpasPrice,
    Voucher,
    VoucherType,
)
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import (
    acting_balie,
    balie_acted_for,
    card_system_ids_with_rights,
    user_has_permission,
)
from cardsystems.uitpas_numbers import is_voucher_number, parse_uitpas_number
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.parameters import given
from uitpas_site.prepared_sql import Columns, column, per_vendor, prep, table
from uitpas_site.w3c_dates import parse_w3c_date

NO_PRICE = Decimal("0.00")

_CREATE = CardSystemPermission.PASSHOLDER_CREATE


@dataclass(frozen=True)
class RegistrationPrice:
    """The price of one registration: the row of the price list that fits it, or None
    when no row does (no price set: 0.00)."""

    row: UitpasPrice | None

    @property
    def amount(self) -> Decimal:
        return self.row.price if self.row is not None else NO_PRICE

    @property
    def is_set(self) -> bool:
        return self.row is not None

    @property
    def free_because(self) -> str:
        """Why a price of 0.00 is free: the row is the voucher's, or the kansenpas's
        (``FreeBecause``); "" when the card costs something or no price is set."""
        if self.row is None or self.amount != 0:
            return ""
        if self.row.voucher_type_id is not None:
            return FreeBecause.VOUCHER
        return FreeBecause.KANSENSTATUUT if self.row.kansenstatuut else ""


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Completed years on ``day``; the birthday itself counts (18 on the 18th birthday).
    Someone born on 29 February has their birthday on 1 March in other years."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _fits_age(row: UitpasPrice, age: int | None) -> bool:
    if age is None:
        return row.use_when_age_unknown
    return (row.age_from is None or row.age_from <= age) and (row.age_to is None or age <= row.age_to)


@per_vendor
def _price_rows_statement():
    price, voucher_type = Columns(UitpasPrice, "p"), Columns(VoucherType, "vt")
    sql = (
        f"SELECT {price.sql}, {voucher_type.sql} FROM {table(UitpasPrice)} p"
        f" LEFT JOIN {table(VoucherType)} vt"
        f" ON vt.{column(VoucherType, 'id')} = p.{column(UitpasPrice, 'voucher_type')}"
        f" WHERE p.{column(UitpasPrice, 'card_system')} = %s AND p.{column(UitpasPrice, 'reason')} = %s"
        f" AND p.{column(UitpasPrice, 'card_type')} = %s AND p.{column(UitpasPrice, 'kansenstatuut')} = %s"
        f" AND (p.{column(UitpasPrice, 'voucher_type')} IS NULL OR p.{column(UitpasPrice, 'voucher_type')} = %s)"
        f" ORDER BY p.{column(UitpasPrice, 'id')}"
    )
    return sql, price, voucher_type


def price_of_registration(
    *,
    card_system: CardSystem,
    reason: str,
    card_type: str,
    kansenpas: bool,
    date_of_birth: datetime.date | None,
    on: datetime.date,
    voucher: Voucher | None = None,
) -> RegistrationPrice:
    """The price of registering a card of ``card_type`` (a kansenpas or not) for
    ``reason`` in ``card_system``, for a passholder born on ``date_of_birth`` (None:
    unknown), on the day ``on`` (a Brussels date), with ``voucher``. One query, composed
    once (it is on newCard's path): the rows of that reason, card type and kansenstatuut,
    without voucher type or of the voucher's, each with its voucher type.

    A voucher of another card system prices nothing here: the price is that without
    a voucher (the endpoints and newCard refuse such a voucher before they ask).
    """
    voucher_type_id = voucher.voucher_type_id if voucher is not None else None
    sql, price, voucher_type = _price_rows_statement()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                card_system.pk,
                reason,
                card_type,
                prep(UitpasPrice, "kansenstatuut", kansenpas),
                voucher_type_id,
            ],
        )
        rows = []
        for values in cursor.fetchall():
            row = price.instance(values[: len(price)])
            row.card_system = card_system
            if row.voucher_type_id is not None:
                row.voucher_type = voucher_type.instance(values[len(price) :])
            rows.append(row)
    age = age_on(date_of_birth, on) if date_of_birth is not None else None
    fitting = [row for row in rows if _fits_age(row, age)]
    with_voucher = [row for row in fitting if row.voucher_type_id is not None]
    without_voucher = [row for row in fitting if row.voucher_type_id is None]
    return RegistrationPrice(next(iter(with_voucher or without_voucher), None))


@dataclass(frozen=True)
class AskedPrice:
    """The answer of ``GET /uitpas/price``: the registration asked about, and its price."""

    card: Card
    reason: str
    price: RegistrationPrice


def asked_price(
    *,
    user: User,
    uitpas_number: str | None,
    reason: str | None,
    date_of_birth: str | None = None,
    postal_code: str | None = None,
    voucher_number: str | None = None,
    balie_consumer_key: str | None = None,
) -> AskedPrice:
    """The price of registering the card ``uitpas_number`` for ``reason``, as the balie
    ``balie_consumer_key`` (or the only balie the person works at, or no balie for a card
    system administrator) asks it: v3's ``GET /uitpas/price``.

    Checked in the order of ``PRICE_CHECKS`` (``cardsystems.api``): the first failing
    check decides the code. ``postal_code`` is taken and changes nothing: no price list
    here depends on where a passholder lives. Three queries with a named balie: the
    balie, the card (with the balie's right and the voucher), the price rows.
    """
    uitpas_number, reason = given(uitpas_number), given(reason)
    date_of_birth, voucher_number = given(date_of_birth), given(voucher_number)
    balie_consumer_key = given(balie_consumer_key)
    # Check 1 of PRICE_CHECKS (cardsystems.api)
    for value, field, api_name in (
        (uitpas_number, "uitpas_number", "uitpasNumber"),
        (reason, "reason", "reason"),
    ):
        if value is None:
            raise UitpasError(
                ErrorCode.MISSING_REQUIRED_FIELDS,
                _("%(field)s is required.") % {"field": api_name},
                field=field,
            )
    balie = None
    if balie_consumer_key is None:
        # The only balie the person works at, or none for an administrator.
        balie = acting_balie(user=user, consumer_key=None, needed=_CREATE)
    if uitpas_number is None or reason is None:
        raise ValueError("check 1 let an absent uitpasNumber or reason through")
    # Check 2 of PRICE_CHECKS (cardsystems.api)
    reason = REASON_ALIASES.get(reason, reason)
    if reason not in PRICE_REASON_VALUES:
        raise UitpasError(
            ErrorCode.PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON,
            _("reason must be one of %(reasons)s.") % {"reasons": ", ".join(PRICE_REASON_VALUES)},
            field="reason",
        )
    # Check 3 of PRICE_CHECKS (cardsystems.api)
    number = parse_uitpas_number(uitpas_number)
    # Check 4 of PRICE_CHECKS (cardsystems.api)
    if voucher_number is not None and not is_voucher_number(voucher_number):
        raise UitpasError(
            ErrorCode.PARSE_INVALID_VOUCHERNUMBER,
            _("A voucher number consists of digits only."),
            field="voucher_number",
        )
    # Checks 5, 6 of PRICE_CHECKS (cardsystems.api)
    today = timezone.localdate()
    born = None
    if date_of_birth is not None:
        born = parse_w3c_date(date_of_birth)
        if born is None:
            raise UitpasError(
                ErrorCode.PARSE_INVALID_DATE,
                _("dateOfBirth must be a W3C date, e.g. 2010-01-01 or 2010-01-01T00:00:00+01:00."),
                field="date_of_birth",
            )
        if born > today:
            raise UitpasError(
                ErrorCode.INVALID_DATE_CONSTRAINTS,
                _("dateOfBirth lies in the future."),
                field="date_of_birth",
            )
    # Checks 7, 8 of PRICE_CHECKS (cardsystems.api): the balie is known, and you work there
    if balie_consumer_key is not None:
        balie = balie_acted_for(consumer_key=balie_consumer_key, user=user, needed=_CREATE)
    # Check 9 of PRICE_CHECKS (cardsystems.api): the acting balie's right (check 10) and the voucher (check 11)
    # come in the same query.
    found = _card_with_right_and_voucher(number, balie=balie, voucher_number=voucher_number)
    if found is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_CARD,
            _("No card has the UiTPAS number %(number)s.") % {"number": number},
            field="uitpas_number",
        )
    card = found.card
    card_system = card.card_system
    # Check 10 of PRICE_CHECKS (cardsystems.api): the right of the acting balie, or of the administrator.
    if balie is not None:
        allowed = found.balie_may_create
    else:
        allowed = user_has_permission(user=user, permission=_CREATE, card_system=card_system)
    if not allowed:
        raise UitpasError(
            ErrorCode.ACCESS_DENIED,
            _("%(who)s may not register new cards in %(card_system)s.")
            % {"who": balie or _("You"), "card_system": card_system},
            field="balie",
            required_permission=_CREATE.api_name,
        )
    # Check 11 of PRICE_CHECKS (cardsystems.api): vouchers are looked up in the card's card system, as newCard does.
    voucher = found.voucher
    if voucher_number is not None and voucher is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_VOUCHER,
            _("%(card_system)s has no voucher %(number)s.")
            % {"card_system": card_system, "number": voucher_number},
            field="voucher_number",
        )
    # Check 12 of PRICE_CHECKS (cardsystems.api): the card is not assigned to the acting balie.
    if balie is not None and card.balie_id != balie.pk:
        raise UitpasError(
            ErrorCode.BALIE_NOT_AUTHORIZED,
            _("Card %(number)s is not assigned to %(balie)s.") % {"number": number, "balie": balie},
            field="uitpas_number",
        )
    # Check 13 of PRICE_CHECKS (cardsystems.api)
    if voucher is not None and voucher.is_redeemed:
        raise UitpasError(
            ErrorCode.INVALID_VOUCHER_STATUS,
            _("Voucher %(number)s has already been redeemed.") % {"number": voucher_number},
            field="voucher_number",
        )
    price = price_of_registration(
        card_system=card_system,
        reason=reason,
        card_type=card.card_type,
        kansenpas=card.kansenpas,
        date_of_birth=born,
        on=today,
        voucher=voucher,
    )
    return AskedPrice(card=card, reason=reason, price=price)


@dataclass(frozen=True)
class _CardForPrice:
    card: Card
    balie_may_create: bool
    voucher: Voucher | None


def _card_with_right_and_voucher(
    uitpas_number: str, *, balie: Balie | None, voucher_number: str | None
) -> _CardForPrice | None:
    """The card with its card system; ``balie_may_create``: whether the balie holds the
    right to register on that card system (False without a balie); ``voucher``: the
    voucher with that number in the card's card system, or None. One query."""
    may_create: Exists | Value
    if balie is None:
        may_create = Value(False)
    else:
        may_create = Exists(
            GroupObjectPermission.objects.filter(
                group_id=balie.permission_group_id,
                permission__codename=_CREATE.value,
                content_type=ContentType.objects.get_for_model(CardSystem),
                object_pk=Cast(OuterRef("card_system_id"), CharField()),
            )
        )
    cards = Card.objects.select_related("card_system").annotate(balie_may_create=may_create)
    if voucher_number is not None:
        vouchers = Voucher.objects.filter(
            number=voucher_number, voucher_type__card_system_id=OuterRef("card_system_id")
        ).order_by()
        cards = cards.annotate(
            **{
                f"voucher_{name}": Subquery(vouchers.values(name)[:1])
                for name in ("id", "voucher_type_id", "redeemed_at")
            }
        )
    card = cards.filter(uitpas_number=uitpas_number).order_by().first()
    if card is None:
        return None
    voucher = None
    # The voucher's columns are annotated only when a voucher number was asked for, under
    # names built in the loop above: read by name (getattr), they are no attributes of Card.
    if voucher_number is not None and getattr(card, "voucher_id") is not None:  # noqa: B009
        voucher = Voucher(
            pk=getattr(card, "voucher_id"),  # noqa: B009
            number=voucher_number,
            voucher_type_id=getattr(card, "voucher_voucher_type_id"),  # noqa: B009
            redeemed_at=getattr(card, "voucher_redeemed_at"),  # noqa: B009
        )
    return _CardForPrice(card, card.balie_may_create, voucher)


def price_lists(*, user: User, balie_consumer_key: str | None = None) -> list[UitpasPrice]:
    """The price lists of the card systems where the acting balie may register
    passholders (PERMISSION_PASSHOLDER - ACTION_CREATE): v3's ``GET
    /uitpas/passholder/uitpasPrice``. Without a balie: those where one of the balies the
    person works at, or the person themselves (an administrator), holds that right;
    every card system for a superuser.

    By card system, reason, card type, kansenstatuut, voucher type (none first), age.
    """
    balie_consumer_key = given(balie_consumer_key)
    balie = None
    if balie_consumer_key is not None:
        balie = balie_acted_for(consumer_key=balie_consumer_key, user=user, needed=_CREATE)
    card_system_ids = card_system_ids_with_rights(user=user, balie=balie, permission=_CREATE)
    rows = UitpasPrice.objects.select_related("card_system", "voucher_type")
    if card_system_ids is not None:
        rows = rows.filter(card_system_id__in=card_system_ids)
    return list(
        rows.order_by(
            "card_system__name",
            "card_system_id",
            "reason",
            "card_type",
            "kansenstatuut",
            F("voucher_type__prefix").asc(nulls_first=True),
            F("age_from").asc(nulls_first=True),
            "pk",
        )
    )

"""The newCard operation: register a new card for an existing passholder.

:func:`register_new_card` is the only code that hands a card to a passholder. The XML
API and the admin both call it with the raw values they received, and it checks them in
the order of the error table of ``docs/domain.md`` so that the first failing check
decides the code, whichever door the request came through.

The checks make a :class:`NewCardPlan`, what will change; the registration applies it in
the transaction that checked it, under its row locks. :func:`plan_new_card` runs the same
checks without writing: the back-office shows its plan (or its refusal) before the clerk
confirms, so the preview and the registration cannot disagree about a rule.
"""

import datetime
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cardsystems.audit import entry as audit_entry
from cardsystems.lifecycle import Transition
from cardsystems.models import (
    REASON_ALIASES,
    AuditEntry,
    Balie,
    Card,
    CardHistory,
    CardStatus,
    CardSystem,
    NewCardReason,
    Sale,
    Voucher,
)
from cardsystems.permissions import CardSystemPermission
from cardsystems.price_selectors import RegistrationPrice, price_of_registration
from cardsystems.sale_services import record_sale
from cardsystems.selectors import acting_balie as acting_balie_of
from cardsystems.selectors import (
    balie_acted_for,
    user_has_permission,
)
from cardsystems.uitpas_numbers import is_voucher_number, parse_uitpas_number
from passholders import newcard_sql
from passholders.models import Membership, Passholder
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.parameters import given
from uitpas_site.prepared_sql import insert, insert_one, update
from uitpas_site.transactions import retry_on_conflict
from uitpas_site.w3c_dates import parse_w3c_date

# Reasons that replace the current card of an existing membership.
REPLACING_REASONS = frozenset(NewCardReason) - {NewCardReason.EXTRA_CARD}

_CREATE = CardSystemPermission.PASSHOLDER_CREATE


class NewCardRule(StrEnum):
    """Which rule refused a newCard. The API's code does not always say (INVALID_CARD
    has five causes), and the back-office words each rule for a clerk; the API sends the
    code and the message only."""

    MISSING_FIELD = "missing_field"
    UNKNOWN_REASON = "unknown_reason"
    INVALID_UITPAS_NUMBER = "invalid_uitpas_number"
    INVALID_VOUCHER_NUMBER = "invalid_voucher_number"
    INVALID_DATE = "invalid_date"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    UNKNOWN_BALIE = "unknown_balie"
    NOT_WORKING_AT_BALIE = "not_working_at_balie"
    UNKNOWN_CARD = "unknown_card"
    NO_CREATE_RIGHT = "no_create_right"
    UNKNOWN_PASSHOLDER = "unknown_passholder"
    UNKNOWN_VOUCHER = "unknown_voucher"
    CARD_NOT_IN_BALIE_STOCK = "card_not_in_balie_stock"
    CARD_AT_ANOTHER_BALIE = "card_at_another_balie"
    NOT_A_MEMBER = "not_a_member"
    ALREADY_HAS_ACTIVE_CARD = "already_has_active_card"
    KANSENPAS_NOT_ALLOWED = "kansenpas_not_allowed"
    KANSENPAS_NEEDED = "kansenpas_needed"
    VOUCHER_REDEEMED = "voucher_redeemed"
    MEMBERSHIP_BLOCKED = "membership_blocked"
    NO_KANSENSTATUUT_TO_LOSE = "no_kansenstatuut_to_lose"
    KANSENSTATUUT_STILL_COUNTS = "kansenstatuut_still_counts"


class NewCardRefused(UitpasError):
    """A refused newCard: the API's code and message, the rule that refused with the
    facts it names (``facts``: numbers, names, statuses, dates), and ``problems``: every
    problem that the checks of the request's own values (rows 1 to 6 of the error table)
    found, this one first, so that a form can show them all at once. The API answers
    the first, as before."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | Promise,
        *,
        rule: NewCardRule,
        facts: dict[str, Any] | None = None,
        field: str | None = None,
        required_permission: str | None = None,
    ) -> None:
        super().__init__(code, message, field=field, required_permission=required_permission)
        self.rule = rule
        self.facts = facts or {}
        self.problems: tuple[NewCardRefused, ...] = (self,)

    @classmethod
    def of(cls, error: UitpasError, *, rule: NewCardRule, **facts) -> "NewCardRefused":
        """A shared check's refusal (the UiTPAS number parser, the balie lookup) as newCard's."""
        return cls(
            error.code,
            error.message,
            rule=rule,
            facts=facts,
            field=error.field,
            required_permission=error.required_permission,
        )


@dataclass(frozen=True)
class NewCardPlan:
    """What a newCard will change, once every check passed: the back-office's preview
    shows it, and the registration applies it (inside the transaction that checked it)."""

    reason: NewCardReason
    acting_balie: Balie | None
    passholder: Passholder
    # The new card, still in the balie's stock, with its card system.
    card: Card
    # The passholder's membership of the card's card system, with its current card;
    # None when there is none yet (EXTRA_CARD creates it).
    membership: Membership | None
    voucher: Voucher | None
    # kansenStatuutEndDate as given (checked for every reason, used by OBTAIN only).
    kansenstatuut_end_date: datetime.date | None
    # What the balie collects: the card system's price of this registration today.
    price: RegistrationPrice

    @property
    def card_system(self) -> CardSystem:
        return self.card.card_system

    @property
    def replaced_card(self) -> Card | None:
        """The membership's current card, which the new one replaces (EXTRA_CARD
        replaces none)."""
        if self.reason == NewCardReason.EXTRA_CARD or self.membership is None:
            return None
        return self.membership.current_card

    @property
    def blocks_replaced_card(self) -> bool:
        """Whether the replaced card gets blocked: an issued one does, one that is
        blocked already stays as it is."""
        return self.replaced_card is not None and self.replaced_card.status == Transition.ISSUE.target

    @property
    def existing_membership(self) -> Membership:
        """The membership, for a reason that needs one (every reason but EXTRA_CARD:
        NOT_A_MEMBER refused the others without one)."""
        if self.membership is None:
            raise ValueError(f"no membership of {self.card_system} to change")
        return self.membership

    @property
    def granted_end_date(self) -> datetime.date:
        """The end date OBTAIN_KANSENSTATUUT grants (a missing one was refused)."""
        if self.kansenstatuut_end_date is None:
            raise ValueError("OBTAIN_KANSENSTATUUT without kansenStatuutEndDate")
        return self.kansenstatuut_end_date

    @property
    def kansenstatuut_after(self) -> tuple[bool, datetime.date | None]:
        """The membership's kansenstatuut and its end date after the registration."""
        if self.reason == NewCardReason.OBTAIN_KANSENSTATUUT:
            return True, self.kansenstatuut_end_date
        if self.reason == NewCardReason.LOSS_KANSENSTATUUT or self.membership is None:
            return False, None
        return self.membership.kansenstatuut, self.membership.kansenstatuut_end_date


@dataclass(frozen=True)
class NewCardResult:
    passholder: Passholder
    membership: Membership
    membership_created: bool
    card: Card
    # The card the new one replaces (the membership's previous current card), and
    # whether this operation blocked it (False when it was blocked already).
    replaced_card: Card | None
    replaced_card_blocked: bool
    voucher: Voucher | None
    reason: NewCardReason
    # The kansenstatuut's end date before the registration (None: there was none).
    previous_kansenstatuut_end_date: datetime.date | None
    # What the balie charged, recorded with the registration.
    sale: Sale
    price: RegistrationPrice


@retry_on_conflict
def register_new_card(
    *,
    user: User,
    uid: str | None,
    reason: str | None,
    uitpas_number: str | None,
    voucher_number: str | None = None,
    balie_consumer_key: str | None = None,
    kansenstatuut_end_date: str | None = None,
) -> NewCardResult:
    """Give the passholder ``uid`` the card ``uitpas_number`` for ``reason``, acting for
    the balie ``balie_consumer_key`` (or the only balie the user works at, or, for a card
    system administrator, no balie). One transaction: every change or none, the sale
    included: what the balie charged, the card system's price of this registration
    (0.00 when its price list has no row that fits), is recorded with it.

    Raises :class:`NewCardRefused` (a :class:`UitpasError`) with the code of the first
    failing check.
    """
    with transaction.atomic():
        plan = _plan(
            user=user,
            uid=uid,
            reason=reason,
            uitpas_number=uitpas_number,
            voucher_number=voucher_number,
            balie_consumer_key=balie_consumer_key,
            kansenstatuut_end_date=kansenstatuut_end_date,
            locked=True,
        )
        return _apply(user=user, plan=plan)


def plan_new_card(
    *,
    user: User,
    uid: str | None,
    reason: str | None,
    uitpas_number: str | None,
    voucher_number: str | None = None,
    balie_consumer_key: str | None = None,
    kansenstatuut_end_date: str | None = None,
) -> NewCardPlan:
    """What :func:`register_new_card` would change with these values now, by the same
    checks in the same order with the same codes, writing nothing: the back-office's
    preview.

    It locks nothing and opens no transaction (on SQLite a transaction takes the write
    lock, on PostgreSQL the row locks would hold up registrations while a clerk reads):
    the registration runs every check again under its locks, so a preview can be
    overtaken by another clerk but never decides anything itself.
    """
    return _plan(
        user=user,
        uid=uid,
        reason=reason,
        uitpas_number=uitpas_number,
        voucher_number=voucher_number,
        balie_consumer_key=balie_consumer_key,
        kansenstatuut_end_date=kansenstatuut_end_date,
        locked=False,
    )


def _plan(
    *,
    user: User,
    uid: str | None,
    reason: str | None,
    uitpas_number: str | None,
    voucher_number: str | None,
    balie_consumer_key: str | None,
    kansenstatuut_end_date: str | None,
    locked: bool,
) -> NewCardPlan:
    """The checks of the error table, in its order; with ``locked`` the rows that will
    change are locked as they are read (the card first, the lock order of every service)."""
    uid, reason, uitpas_number = given(uid), given(reason), given(uitpas_number)
    voucher_number, balie_consumer_key = given(voucher_number), given(balie_consumer_key)
    kansenstatuut_end_date = given(kansenstatuut_end_date)
    if reason is not None:
        reason = REASON_ALIASES.get(reason, reason)

    # Rows 1 to 6 judge the request's own values: all of them are checked, and the
    # first problem found decides, carrying the others.
    problems: list[NewCardRefused] = []
    # Check 1 of NEW_CARD_CHECKS (passholders.api)
    for value, field in ((uid, "uid"), (reason, "reason"), (uitpas_number, "uitpas_number")):
        if value is None:
            problems.append(
                NewCardRefused(
                    ErrorCode.MISSING_REQUIRED_FIELDS,
                    _("%(field)s is required.") % {"field": _API_NAMES[field]},
                    rule=NewCardRule.MISSING_FIELD,
                    field=field,
                )
            )
    if reason == NewCardReason.OBTAIN_KANSENSTATUUT and kansenstatuut_end_date is None:
        problems.append(
            NewCardRefused(
                ErrorCode.MISSING_REQUIRED_FIELDS,
                _("kansenStatuutEndDate is required for OBTAIN_KANSENSTATUUT."),
                rule=NewCardRule.MISSING_FIELD,
                field="kansenstatuut_end_date",
            )
        )
    acting_balie = None
    if balie_consumer_key is None:
        # The only balie the user works at, or none for an administrator.
        try:
            acting_balie = acting_balie_of(user=user, consumer_key=None, needed=_CREATE)
        except UitpasError as error:
            problems.append(NewCardRefused.of(error, rule=NewCardRule.MISSING_FIELD))
    # Check 2 of NEW_CARD_CHECKS (passholders.api)
    if reason is not None and reason not in NewCardReason.values:
        problems.append(
            NewCardRefused(
                ErrorCode.INVALID_PARAMETERS,
                _("reason must be one of %(reasons)s.") % {"reasons": ", ".join(NewCardReason.values)},
                rule=NewCardRule.UNKNOWN_REASON,
                facts={"reason": reason},
                field="reason",
            )
        )
    # Check 3 of NEW_CARD_CHECKS (passholders.api)
    number = None
    if uitpas_number is not None:
        try:
            number = parse_uitpas_number(uitpas_number)
        except UitpasError as error:
            problems.append(
                NewCardRefused.of(error, rule=NewCardRule.INVALID_UITPAS_NUMBER, number=uitpas_number)
            )
    # Check 4 of NEW_CARD_CHECKS (passholders.api)
    if voucher_number is not None and not is_voucher_number(voucher_number):
        problems.append(
            NewCardRefused(
                ErrorCode.PARSE_INVALID_VOUCHERNUMBER,
                _("A voucher number consists of digits only."),
                rule=NewCardRule.INVALID_VOUCHER_NUMBER,
                facts={"number": voucher_number},
                field="voucher_number",
            )
        )
    # Checks 5, 6 of NEW_CARD_CHECKS (passholders.api)
    today = timezone.localdate()
    end_date = None
    if kansenstatuut_end_date is not None:
        try:
            end_date = _parse_end_date(kansenstatuut_end_date, today=today)
        except NewCardRefused as refused:
            problems.append(refused)
    if problems:
        first = problems[0]
        first.problems = tuple(problems)
        raise first
    # Rows 1 and 3 refused an absent uid, reason or UiTPAS number, and an invalid number.
    if uid is None or reason is None or number is None:
        raise ValueError("newCard's checks let an absent uid, reason or UiTPAS number through")

    # Checks 7, 8 of NEW_CARD_CHECKS (passholders.api)
    if balie_consumer_key is not None:
        try:
            acting_balie = balie_acted_for(consumer_key=balie_consumer_key, user=user, needed=_CREATE)
        except UitpasError as error:
            unknown = error.code == ErrorCode.UNKNOWN_BALIE_CONSUMERKEY
            raise NewCardRefused.of(
                error, rule=NewCardRule.UNKNOWN_BALIE if unknown else NewCardRule.NOT_WORKING_AT_BALIE
            ) from None
    # Check 9 of NEW_CARD_CHECKS (passholders.api): the card, locked first of all rows (the lock order of every service).
    # The acting balie's right (check 10) comes with it, in the same query.
    found = newcard_sql.card_with_right(
        number,
        right_of_group=acting_balie.permission_group_id if acting_balie is not None else None,
        right=_CREATE.value,
        content_type_id=ContentType.objects.get_for_model(CardSystem).pk,
        locked=locked,
    )
    if found is None:
        raise NewCardRefused(
            ErrorCode.UNKNOWN_CARD,
            _("No card has the UiTPAS number %(number)s.") % {"number": number},
            rule=NewCardRule.UNKNOWN_CARD,
            facts={"number": number},
            field="uitpas_number",
        )
    card = found.card
    card_system = card.card_system
    # Check 10 of NEW_CARD_CHECKS (passholders.api): the right of the acting balie, or of the administrator.
    if acting_balie is not None:
        allowed = found.balie_may_create
    else:
        allowed = user_has_permission(user=user, permission=_CREATE, card_system=card_system)
    if not allowed:
        raise NewCardRefused(
            ErrorCode.ACCESS_DENIED,
            _("%(who)s may not register new cards in %(card_system)s.")
            % {"who": acting_balie or _("You"), "card_system": card_system},
            rule=NewCardRule.NO_CREATE_RIGHT,
            facts={"balie": acting_balie, "card_system": card_system},
            field="balie",
            required_permission=_CREATE.api_name,
        )
    # Check 11 of NEW_CARD_CHECKS (passholders.api)
    passholder = _passholder(uid, locked=locked)
    # Check 12 of NEW_CARD_CHECKS (passholders.api)
    voucher = None
    if voucher_number is not None:
        vouchers = Voucher.objects.filter(number=voucher_number, voucher_type__card_system=card_system)
        if locked:
            vouchers = vouchers.select_for_update(of=("self",), no_key=True)
        voucher = _first(vouchers)
        if voucher is None:
            raise NewCardRefused(
                ErrorCode.UNKNOWN_VOUCHER,
                _("%(card_system)s has no voucher %(number)s.")
                % {"card_system": card_system, "number": voucher_number},
                rule=NewCardRule.UNKNOWN_VOUCHER,
                facts={"number": voucher_number, "card_system": card_system},
                field="voucher_number",
            )
    # Check 13 of NEW_CARD_CHECKS (passholders.api)
    if not Transition.ISSUE.allows(card.status):
        raise NewCardRefused(
            ErrorCode.INVALID_CARD_STATUS,
            _("Card %(number)s is not in a balie's stock (its status is %(status)s).")
            % {"number": number, "status": card.status},
            rule=NewCardRule.CARD_NOT_IN_BALIE_STOCK,
            facts={"number": number, "status": CardStatus(card.status)},
            field="uitpas_number",
        )
    # Check 14 of NEW_CARD_CHECKS (passholders.api)
    if acting_balie is not None and card.balie_id != acting_balie.pk:
        raise NewCardRefused(
            ErrorCode.INVALID_CARD,
            _("Card %(number)s is not in the stock of %(balie)s.")
            % {"number": number, "balie": acting_balie},
            rule=NewCardRule.CARD_AT_ANOTHER_BALIE,
            facts={"number": number, "balie": acting_balie},
            field="uitpas_number",
        )
    membership = _membership_of(passholder, card_system)
    _check_membership_fits(reason, membership, passholder, card_system)
    _check_kansenpas_fits(reason, membership, card, today)
    # Check 15 of NEW_CARD_CHECKS (passholders.api)
    if voucher is not None and voucher.is_redeemed:
        raise NewCardRefused(
            ErrorCode.INVALID_VOUCHER_STATUS,
            _("Voucher %(number)s has already been redeemed.") % {"number": voucher_number},
            rule=NewCardRule.VOUCHER_REDEEMED,
            facts={"number": voucher_number, "redeemed_at": voucher.redeemed_at},
            field="voucher_number",
        )
    # Check 16 of NEW_CARD_CHECKS (passholders.api)
    _check_action_possible(reason, membership, today)

    price = price_of_registration(
        card_system=card_system,
        reason=reason,
        card_type=card.card_type,
        kansenpas=card.kansenpas,
        date_of_birth=passholder.date_of_birth,
        on=today,
        voucher=voucher,
    )
    return NewCardPlan(
        reason=NewCardReason(reason),
        acting_balie=acting_balie,
        passholder=passholder,
        card=card,
        membership=membership,
        voucher=voucher,
        kansenstatuut_end_date=end_date,
        price=price,
    )


_API_NAMES = {"uid": "uid", "reason": "reason", "uitpas_number": "uitpasNumber"}


def _parse_end_date(raw: str, *, today: datetime.date) -> datetime.date:
    end_date = parse_w3c_date(raw)
    if end_date is None:
        raise NewCardRefused(
            ErrorCode.PARSE_INVALID_DATE,
            _("kansenStatuutEndDate must be a W3C date, e.g. 2027-06-30 or 2027-06-30T00:00:00+02:00."),
            rule=NewCardRule.INVALID_DATE,
            facts={"date": raw},
            field="kansenstatuut_end_date",
        )
    latest = datetime.date(today.year + 1, 12, 31)
    if not today <= end_date <= latest:
        raise NewCardRefused(
            ErrorCode.INVALID_DATE_CONSTRAINTS,
            _("kansenStatuutEndDate must lie between today and %(latest)s.") % {"latest": latest.isoformat()},
            rule=NewCardRule.DATE_OUT_OF_RANGE,
            facts={"date": end_date, "today": today, "latest": latest},
            field="kansenstatuut_end_date",
        )
    return end_date


def _passholder(uid: str, *, locked: bool) -> Passholder:
    passholder = None
    try:
        parsed_uid = uuid.UUID(uid)
    except ValueError:
        pass
    else:
        passholder = newcard_sql.passholder_by_uid(parsed_uid, locked=locked)
    if passholder is None:
        raise NewCardRefused(
            ErrorCode.UNKNOWN_PASSHOLDER_UID,
            _("No passholder has the uid %(uid)s.") % {"uid": uid[:80]},
            rule=NewCardRule.UNKNOWN_PASSHOLDER,
            facts={"uid": uid[:80]},
            field="uid",
        )
    return passholder


def _membership_of(passholder: Passholder, card_system: CardSystem) -> Membership | None:
    """The passholder's membership of the card system, with its current card.

    The passholder's row lock (taken before) serializes every change to their
    memberships, so this needs no lock of its own; it must be a statement of its own
    though: a row joined to a locked row in one statement is read from the snapshot
    taken before waiting for the lock, and could be stale.
    """
    membership = newcard_sql.membership_with_current_card(passholder.pk, card_system.pk)
    if membership is not None:
        membership.passholder, membership.card_system = passholder, card_system
    return membership


def _first[M: models.Model](queryset: models.QuerySet[M]) -> M | None:
    """The only row of a lookup by a unique key, without the ORDER BY of ``first()``."""
    return next(iter(queryset[:1]), None)


def _check_membership_fits(reason, membership, passholder, card_system) -> None:
    facts = {"passholder": passholder, "card_system": card_system}
    if reason in REPLACING_REASONS and membership is None:
        raise NewCardRefused(
            ErrorCode.INVALID_CARD,
            _("%(passholder)s is not a member of %(card_system)s; use EXTRA_CARD for a first card there.")
            % facts,
            rule=NewCardRule.NOT_A_MEMBER,
            facts=facts,
            field="uitpas_number",
        )
    if reason == NewCardReason.EXTRA_CARD and (
        Card.objects.filter(passholder=passholder, card_system=card_system, status=CardStatus.ACTIVE).exists()
    ):
        raise NewCardRefused(
            ErrorCode.INVALID_CARD,
            _("%(passholder)s already has an active card of %(card_system)s.") % facts,
            rule=NewCardRule.ALREADY_HAS_ACTIVE_CARD,
            facts=facts,
            field="uitpas_number",
        )


def _check_kansenpas_fits(reason, membership, card, today) -> None:
    if reason == NewCardReason.OBTAIN_KANSENSTATUUT:
        kansenpas_needed = True
    elif reason == NewCardReason.LOSS_KANSENSTATUUT:
        kansenpas_needed = False
    else:
        kansenpas_needed = membership is not None and membership.kansenstatuut_counts(today)
    facts = {"number": card.uitpas_number, "reason": NewCardReason(reason)}
    if card.kansenpas and not kansenpas_needed:
        raise NewCardRefused(
            ErrorCode.INVALID_CARD,
            _("Card %(number)s is a kansenpas; this passholder needs a regular card.")
            % {"number": card.uitpas_number},
            rule=NewCardRule.KANSENPAS_NOT_ALLOWED,
            facts=facts,
            field="uitpas_number",
        )
    if kansenpas_needed and not card.kansenpas:
        raise NewCardRefused(
            ErrorCode.INVALID_CARD,
            _("Card %(number)s is a regular card; a passholder with kansenstatuut needs a kansenpas.")
            % {"number": card.uitpas_number},
            rule=NewCardRule.KANSENPAS_NEEDED,
            facts=facts,
            field="uitpas_number",
        )


def _check_action_possible(reason, membership, today) -> None:
    if membership is None:
        return
    if membership.status == Membership.Status.BLOCKED:
        raise NewCardRefused(
            ErrorCode.ACTION_FAILED,
            _("The membership of %(card_system)s is blocked.") % {"card_system": membership.card_system},
            rule=NewCardRule.MEMBERSHIP_BLOCKED,
            facts={"card_system": membership.card_system},
        )
    if reason == NewCardReason.LOSS_KANSENSTATUUT and not membership.kansenstatuut:
        raise NewCardRefused(
            ErrorCode.ACTION_FAILED,
            _("The passholder has no kansenstatuut to lose."),
            rule=NewCardRule.NO_KANSENSTATUUT_TO_LOSE,
            facts={"card_system": membership.card_system},
            field="reason",
        )
    if reason == NewCardReason.OBTAIN_KANSENSTATUUT and membership.kansenstatuut_counts(today):
        raise NewCardRefused(
            ErrorCode.ACTION_FAILED,
            _("The passholder's kansenstatuut still counts (until %(end)s).")
            % {"end": membership.kansenstatuut_end_date.isoformat()},
            rule=NewCardRule.KANSENSTATUUT_STILL_COUNTS,
            facts={"card_system": membership.card_system, "end_date": membership.kansenstatuut_end_date},
            field="reason",
        )


def _apply(*, user: User, plan: NewCardPlan) -> NewCardResult:
    """The changes of a plan whose checks just passed, inside their transaction and
    under their locks.

    Every write here is a statement of ``uitpas_site.prepared_sql`` (``update``,
    ``insert``, ``insert_one``), not ``save()``: no model signals fire (none of these
    models has a receiver; the audit entries are written here, explicitly), no
    ``full_clean`` runs (the checks above and the database's constraints hold the
    rules), and ``auto_now_add`` is filled by the helpers."""
    reason, acting_balie, passholder = plan.reason.value, plan.acting_balie, plan.passholder
    membership, card, voucher = plan.membership, plan.card, plan.voucher
    issued, blocked = Transition.ISSUE.target, Transition.BLOCK.target
    history = [
        CardHistory(
            card=card, from_status=card.status, to_status=issued, reason=reason, user=user, balie=acting_balie
        )
    ]
    card.status, card.balie, card.passholder = issued, None, passholder
    update(Card, where={"id": card.pk}, values={"status": issued, "balie": None, "passholder": passholder.pk})

    replaced_card, replaced_card_blocked = plan.replaced_card, False
    if replaced_card is not None:
        # Blocking only an issued (ACTIVE) card, in the UPDATE itself, keeps a card that
        # a clerk blocked first (or concurrently) BLOCKED with one history row.
        replaced_card_blocked = bool(
            update(
                Card,
                where={"id": replaced_card.pk, "status": issued},
                values={"status": blocked},
            )
        )
        if replaced_card_blocked:
            replaced_card.status = blocked
            history.append(
                CardHistory(
                    card=replaced_card,
                    from_status=issued,
                    to_status=blocked,
                    reason=reason,
                    user=user,
                    balie=acting_balie,
                )
            )

    audit = _AuditOfNewCard(user=user, acting_balie=acting_balie, card_system=card.card_system)
    membership_created = membership is None
    previous_end_date = None if membership is None else membership.kansenstatuut_end_date
    if membership is None:
        membership = Membership(passholder=passholder, card_system=card.card_system, current_card=card)
        insert_one(membership)
        audit.record(membership, {"status": (None, membership.status), "current_card": (None, card)})
    else:
        before = (membership.current_card, membership.kansenstatuut, membership.kansenstatuut_end_date)
        membership.current_card = card
        membership.kansenstatuut, membership.kansenstatuut_end_date = plan.kansenstatuut_after
        update(
            Membership,
            where={"id": membership.pk},
            values={
                "current_card": card.pk,
                "kansenstatuut": membership.kansenstatuut,
                "kansenstatuut_end_date": membership.kansenstatuut_end_date,
            },
        )
        after = (card, membership.kansenstatuut, membership.kansenstatuut_end_date)
        audit.record(
            membership,
            {
                field: (old, new)
                for field, old, new in zip(
                    ("current_card", "kansenstatuut", "kansenstatuut_end_date"), before, after, strict=True
                )
                if old != new
            },
        )

    if voucher is not None:
        redemption = {
            "redeemed_at": timezone.now(),
            "redeemed_by": user,
            "redeemed_balie": acting_balie,
            "redeemed_card": card,
        }
        update(
            Voucher,
            where={"id": voucher.pk},
            values={name: getattr(value, "pk", value) for name, value in redemption.items()},
        )
        for name, value in redemption.items():
            setattr(voucher, name, value)
        audit.record(voucher, {"redeemed_card": (None, card)})

    insert(history)
    insert(audit.entries)
    sale = record_sale(
        user=user,
        balie=acting_balie,
        passholder=passholder,
        card=card,
        reason=reason,
        voucher=voucher,
        price=plan.price,
    )
    return NewCardResult(
        passholder=passholder,
        membership=membership,
        membership_created=membership_created,
        card=card,
        replaced_card=replaced_card,
        replaced_card_blocked=replaced_card_blocked,
        voucher=voucher,
        reason=plan.reason,
        previous_kansenstatuut_end_date=previous_end_date,
        sale=sale,
        price=plan.price,
    )


class _AuditOfNewCard:
    """Collects the audit entries of one newCard, written together at the end."""

    def __init__(self, *, user: User, acting_balie: Balie | None, card_system: CardSystem) -> None:
        self.context = {"user": user, "balie": acting_balie, "card_system": card_system}
        self.entries: list[AuditEntry] = []

    def record(self, obj: models.Model, changes: dict[str, tuple[object, object]]) -> None:
        self.entries.append(
            audit_entry(action=AuditEntry.Action.NEW_CARD, obj=obj, changes=changes, **self.context)
        )

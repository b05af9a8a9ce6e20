"""The card stock: one service per transition of the card lifecycle.

Each service is one transaction, checks every card before it changes any, refuses an
illegal change with a coded :class:`UitpasError` (the API's codes, so the admin, the
commands and the API agree) and writes one history row per card it changes. The legal
transitions are those of :mod:`cardsystems.lifecycle`.

Locking, so that a stock change and a newCard on the same card cannot both win: a
service locks the card systems it works in (by id), then the cards (by id, in batches),
and keeps the locks until it commits. newCard locks its cards in another order (the new
card, then the one it replaces), so PostgreSQL may still pick one of two such
transactions as a deadlock victim: every service that is given its cards (all but the
import, whose input is a stream read once) runs again when that happens
(:func:`~uitpas_site.transactions.retry_on_conflict`). On SQLite the IMMEDIATE
transaction locks the whole database instead.

Generation and import handle a million cards: they read their input as a stream and
write in batches (:mod:`cardsystems.bulk_sql`); the import's checks are in
:mod:`cardsystems.card_import`.

Besides a history row per card, each operation that changes cards writes one audit log
entry per card system and balie it touched (normally one), with its count and its range
of numbers (:func:`cardsystems.audit.stock_entry`), in its transaction.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import batched

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cardsystems.audit import stock_entry
from cardsystems.bulk_sql import (
    BATCH_SIZE,
    executemany,
    insert_history_of,
    insert_history_rows,
    insert_sql,
    job_page_cache,
    link_chips,
    refresh_card_statistics,
)
from cardsystems.card_import import ImportPreview, ImportProblem, checked_batches
from cardsystems.lifecycle import Transition
from cardsystems.models import AuditEntry, Balie, Card, CardStatus, CardSystem, CardType
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import acting_balie, administered_card_system_ids, balie_permissions
from cardsystems.uitpas_numbers import make_uitpas_number, parse_uitpas_number
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.transactions import retry_on_conflict

__all__ = [
    "CardImportRefused",
    "ImportPreview",
    "ImportProblem",
    "StockChange",
    "block_card",
    "block_cards",
    "confirm_arrival",
    "delete_cards",
    "generate_cards",
    "import_cards",
    "preview_card_import",
    "return_to_stock",
    "send_cards_to_balie",
    "send_packages_to_balie",
]

# Numbers named in a refusal; the rest is counted.
NAMED_IN_REFUSAL = 5

type Progress = Callable[[int], None]
"""Called now and then with how many cards (or lines) are done so far."""

_STOCK = CardSystemPermission.MANAGE_STOCK

_AUDIT_ACTIONS = {
    Transition.GENERATE: AuditEntry.Action.CARDS_GENERATED,
    Transition.IMPORT: AuditEntry.Action.CARDS_IMPORTED,
    Transition.SEND_TO_BALIE: AuditEntry.Action.CARDS_SENT,
    Transition.CONFIRM_ARRIVAL: AuditEntry.Action.ARRIVAL_CONFIRMED,
    Transition.RETURN_TO_STOCK: AuditEntry.Action.CARDS_RETURNED,
    Transition.DELETE: AuditEntry.Action.CARDS_DELETED,
    Transition.BLOCK: AuditEntry.Action.CARDS_BLOCKED,
}


@dataclass(frozen=True)
class StockChange:
    """What a transition changed (or, checked only, would change)."""

    transition: Transition
    count: int
    first_number: str
    last_number: str


# Generation ---------------------------------------------------------------------------


@retry_on_conflict
def generate_cards(
    *,
    user: User,
    card_system: CardSystem,
    count: int,
    kansenpas: bool = False,
    card_type: str = CardType.CARD,
    progress: Progress | None = None,
) -> StockChange:
    """Create ``count`` PROVISIONED cards with consecutive serials after the highest one
    used in the card system, its prefix, the kansenpas digit asked for and the Luhn
    check digit. Their numbers go to the card supplier (:func:`generated_numbers`)."""
    if count < 1:
        raise UitpasError(ErrorCode.INVALID_PARAMETERS, _("Generate at least one number."), field="count")
    if card_type not in CardType.values:
        raise UitpasError(
            ErrorCode.INVALID_PARAMETERS,
            _("The card type must be one of %(types)s.") % {"types": ", ".join(CardType.values)},
            field="card_type",
        )
    with transaction.atomic(), job_page_cache():
        _require_stock_right(user, [card_system.pk])
        card_system = CardSystem.objects.select_for_update(no_key=True).get(pk=card_system.pk)
        prefix = card_system.number_prefix
        first_serial = _highest_serial(card_system) + 1
        last_serial = first_serial + count - 1
        if last_serial > _largest_serial(prefix):
            room = max(0, _largest_serial(prefix) - first_serial + 1)
            raise UitpasError(
                ErrorCode.ACTION_FAILED,
                ngettext(
                    "%(card_system)s has room for %(room)s more number, not %(count)s.",
                    "%(card_system)s has room for %(room)s more numbers, not %(count)s.",
                    room,
                )
                % {"card_system": card_system, "room": room, "count": count},
                field="count",
            )
        first_number = make_uitpas_number(prefix=prefix, serial=first_serial, kansenpas=kansenpas)
        last_number = make_uitpas_number(prefix=prefix, serial=last_serial, kansenpas=kansenpas)
        # Numbers are unique over all card systems; one without a prefix may hold these.
        taken = Card.objects.filter(uitpas_number__range=(first_number, last_number)).first()
        if taken is not None:
            raise UitpasError(
                ErrorCode.ACTION_FAILED,
                _("The UiTPAS number %(number)s is already taken.") % {"number": taken.uitpas_number},
                field="count",
            )
        insert = insert_sql(Card, ["uitpas_number", "card_system", "card_type", "status"])
        for serials in batched(range(first_serial, last_serial + 1), BATCH_SIZE):
            numbers = [
                make_uitpas_number(prefix=prefix, serial=serial, kansenpas=kansenpas) for serial in serials
            ]
            executemany(
                insert,
                [(number, card_system.pk, card_type, Transition.GENERATE.target) for number in numbers],
            )
            # The range holds this batch's cards only: no card had a number in it.
            insert_history_of(
                Card.objects.filter(uitpas_number__range=(numbers[0], numbers[-1])),
                from_status=Value(""),
                to_status=Transition.GENERATE.target,
                reason=Transition.GENERATE.history_reason,
                user=user,
            )
            if progress:
                progress(serials[-1] - first_serial + 1)
        _audit(
            Transition.GENERATE,
            user=user,
            card_system_id=card_system.pk,
            count=count,
            first_number=first_number,
            last_number=last_number,
        )
    refresh_card_statistics(count)
    return StockChange(Transition.GENERATE, count, first_number, last_number)


def _highest_serial(card_system: CardSystem) -> int:
    """The highest serial used in the card system, -1 when none: the first number of a
    new card system has serial 0, so a five-digit prefix holds a million numbers."""
    prefix = card_system.number_prefix
    highest = (
        Card.objects.filter(card_system=card_system, uitpas_number__range=(prefix, prefix + "9" * 13))
        .order_by("-uitpas_number")
        .values_list("uitpas_number", flat=True)
        .first()
    )
    return -1 if highest is None else int(highest[len(prefix) : 11])


def _largest_serial(prefix: str) -> int:
    # A number starts with 0: without a prefix, the serial's first digit is that 0.
    return 10 ** (11 - len(prefix)) - 1 if prefix else 10**10 - 1


# Import -------------------------------------------------------------------------------


class CardImportRefused(UitpasError):
    """An import that changed nothing because of the problems in its preview."""

    def __init__(self, preview: ImportPreview) -> None:
        message: str | Promise
        if preview.problem_count:
            message = ngettext(
                "%(count)s line has a problem; nothing was imported.",
                "%(count)s lines have problems; nothing was imported.",
                preview.problem_count,
            ) % {"count": preview.problem_count}
        else:
            message = _("The file holds no cards; nothing was imported.")
        super().__init__(ErrorCode.ACTION_FAILED, message, field="file")
        self.preview = preview


def preview_card_import(
    *,
    user: User,
    card_system: CardSystem,
    lines: Iterable[str],
    max_listed_problems: int | None = 1000,
    progress: Progress | None = None,
) -> ImportPreview:
    """Check a supplier's file of ``"chip number";"uitpas number"`` lines against the
    card system's PROVISIONED cards, changing nothing. It reads outside a transaction,
    so that it blocks nobody while it reads a big file."""
    _require_stock_right(user, [card_system.pk])
    preview = ImportPreview(card_system)
    with job_page_cache():
        for _rows in checked_batches(
            card_system=card_system,
            lines=lines,
            preview=preview,
            max_listed_problems=max_listed_problems,
            progress=progress,
        ):
            pass
    return preview


def import_cards(
    *,
    user: User,
    card_system: CardSystem,
    lines: Iterable[str],
    max_listed_problems: int | None = 1000,
    progress: Progress | None = None,
) -> ImportPreview:
    """Link each PROVISIONED card of the file to its chip number and put it in central
    stock (STOCK), with the same checks as :func:`preview_card_import`. One
    transaction: when any line has a problem nothing changes, and
    :class:`CardImportRefused` carries the preview that lists the problems."""
    preview = ImportPreview(card_system)
    with transaction.atomic(), job_page_cache():
        _require_stock_right(user, [card_system.pk])
        _take_turns_with_other_imports()
        # The card system's lock is the only one the import takes: every change of a
        # PROVISIONED card (generate, import, delete) takes it first, so the cards it
        # reads as PROVISIONED stay so until it commits. Locking the cards themselves
        # would also lock the non-PROVISIONED ones a bad file names, which newCard may
        # be locking in another order.
        CardSystem.objects.select_for_update(no_key=True).filter(pk=card_system.pk).first()
        for rows in checked_batches(
            card_system=card_system,
            lines=lines,
            preview=preview,
            max_listed_problems=max_listed_problems,
            progress=progress,
        ):
            # After the first problem the checks go on, to list every problem.
            if preview.problem_count or not rows:
                continue
            insert_history_rows(
                [card_id for card_id, _chip in rows],
                from_status=CardStatus.PROVISIONED,
                to_status=Transition.IMPORT.target,
                reason=Transition.IMPORT.history_reason,
                user=user,
            )
            link_chips(rows, status=Transition.IMPORT.target)
        if not preview.importable:
            raise CardImportRefused(preview)
        _audit(
            Transition.IMPORT,
            user=user,
            card_system_id=card_system.pk,
            count=preview.card_count,
            first_number=preview.first_number,
            last_number=preview.last_number,
        )
    refresh_card_statistics(preview.card_count)
    return preview


# Chip numbers are unique over all card systems, but imports into two card systems do not
# share a card system lock: without taking turns, the second would see the first one's
# chips as free and then fail on the unique index. On SQLite the IMMEDIATE transactions
# already take turns.
_IMPORT_ADVISORY_LOCK = 0x55495450  # "UITP"


def _take_turns_with_other_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_ADVISORY_LOCK])


# Transitions of chosen cards ----------------------------------------------------------


@retry_on_conflict
def send_cards_to_balie(
    *, user: User, card_ids: Collection[int], balie: Balie, check_only: bool = False
) -> StockChange:
    """Ship cards from central stock to a balie (SENT_TO_BALIE). The balie must register
    passholders in the cards' card system, and for kansenpas cards grant kansenstatuut
    there too. For the cards' administrators."""

    def check(selection: "_Selection") -> None:
        _require_stock_right(user, selection.card_system_ids)
        _require_status(selection, Transition.SEND_TO_BALIE)
        _require_balie_may_receive(balie, selection)

    return _change(
        user=user,
        card_ids=card_ids,
        transition=Transition.SEND_TO_BALIE,
        check=check,
        new_balie=balie,
        history_balie=Value(balie.pk, output_field=models.BigIntegerField()),
        check_only=check_only,
    )


@retry_on_conflict
def send_packages_to_balie(
    *,
    user: User,
    card_system: CardSystem,
    balie: Balie,
    kansenpas: bool,
    packages: int = 1,
    first_uitpas_number: str | None = None,
    check_only: bool = False,
) -> StockChange:
    """Ship ``packages`` packages to a balie: each the card system's package size of
    consecutive cards of one kind (kansenpas or regular) in central stock, in number
    order, starting at ``first_uitpas_number`` (default: the lowest of that kind)."""
    if packages < 1:
        raise UitpasError(ErrorCode.INVALID_PARAMETERS, _("Send at least one package."), field="packages")
    first = (
        parse_uitpas_number(first_uitpas_number, field="first_uitpas_number") if first_uitpas_number else ""
    )
    with transaction.atomic():
        _require_stock_right(user, [card_system.pk])
        # The card system's lock keeps other stock changes from taking these cards
        # between choosing them and locking them.
        card_system = CardSystem.objects.select_for_update(no_key=True).get(pk=card_system.pk)
        wanted = packages * card_system.package_size
        card_ids = list(
            Card.objects.filter(
                card_system=card_system,
                status=CardStatus.STOCK,
                kansenpas=kansenpas,
                uitpas_number__gte=first,
            )
            .order_by("uitpas_number")
            .values_list("pk", flat=True)[:wanted]
        )
        if len(card_ids) < wanted:
            raise UitpasError(
                ErrorCode.ACTION_FAILED,
                ngettext(
                    "%(packages)s package needs %(wanted)s cards; central stock has %(count)s from there on.",
                    "%(packages)s packages need %(wanted)s cards; central stock has %(count)s from there on.",
                    packages,
                )
                % {"packages": packages, "wanted": wanted, "count": len(card_ids)},
                field="packages",
            )
        return send_cards_to_balie(user=user, card_ids=card_ids, balie=balie, check_only=check_only)


@retry_on_conflict
def confirm_arrival(*, user: User, card_ids: Collection[int], check_only: bool = False) -> StockChange:
    """Mark cards sent to a balie as arrived there (LOCAL_STOCK). For the cards'
    administrators and for staff of the balie that received them."""

    def check(selection: "_Selection") -> None:
        administered = administered_card_system_ids(user)
        if administered is not None:
            # Staff confirm for the balies they work at; administrators for any.
            works_at = set(user.balies.values_list("pk", flat=True))
            for card_system_id, balie_id in selection.groups:
                if card_system_id not in administered and balie_id not in works_at:
                    raise UitpasError(
                        ErrorCode.ACCESS_DENIED,
                        _(
                            "Only staff of the receiving balie or an administrator of %(card_system)s can confirm the arrival of these cards."
                        )
                        % {"card_system": CardSystem.objects.get(pk=card_system_id)},
                        required_permission=_STOCK.api_name,
                    )
        _require_status(selection, Transition.CONFIRM_ARRIVAL)

    return _change(
        user=user,
        card_ids=card_ids,
        transition=Transition.CONFIRM_ARRIVAL,
        check=check,
        new_balie=_KEEP_BALIE,
        history_balie=F("balie_id"),
        check_only=check_only,
    )


@retry_on_conflict
def return_to_stock(*, user: User, card_ids: Collection[int], check_only: bool = False) -> StockChange:
    """Send cards at a balie (sent or arrived) back to central stock (STOCK)."""
    return _administrators_change(
        user=user,
        card_ids=card_ids,
        transition=Transition.RETURN_TO_STOCK,
        history_balie=F("balie_id"),
        check_only=check_only,
    )


@retry_on_conflict
def delete_cards(*, user: User, card_ids: Collection[int], check_only: bool = False) -> StockChange:
    """Delete cards created by mistake (DELETED), from PROVISIONED or STOCK only. Their
    numbers stay taken."""
    return _administrators_change(
        user=user, card_ids=card_ids, transition=Transition.DELETE, check_only=check_only
    )


@retry_on_conflict
def block_cards(*, user: User, card_ids: Collection[int], check_only: bool = False) -> StockChange:
    """Block active cards (BLOCKED), as their card system's administrator; the holder
    keeps the card, which can no longer be used."""
    return _administrators_change(
        user=user, card_ids=card_ids, transition=Transition.BLOCK, check_only=check_only
    )


@retry_on_conflict
def block_card(*, user: User, uitpas_number: str | None, balie_consumer_key: str | None = None) -> Card:
    """Block one active card, for staff of a balie that holds the block right in the
    card's own card system, acting for that balie, or for an administrator of the card's
    card system. The API's ``passholder/block``. A right in another card system the
    holder belongs to gives nothing: a clerk could make the holder a member there
    (EXTRA_CARD) and so reach every card of theirs.

    Checked in this order: MISSING_REQUIRED_FIELDS (no balie given and none derivable),
    PARSE_INVALID_UITPASNUMBER, UNKNOWN_BALIE_CONSUMERKEY, ACCESS_DENIED (not working
    there), UNKNOWN_UITPASNUMBER, ACCESS_DENIED (no block right), INVALID_CARD_STATUS.
    """
    balie_consumer_key = (balie_consumer_key or "").strip() or None
    block = CardSystemPermission.PASSHOLDER_BLOCK
    with transaction.atomic():
        balie = None
        if balie_consumer_key is None:
            balie = acting_balie(user=user, consumer_key=None, needed=block)
        number = parse_uitpas_number(uitpas_number or "")
        if balie_consumer_key is not None:
            balie = acting_balie(user=user, consumer_key=balie_consumer_key, needed=block)
        card = (
            Card.objects.select_for_update(of=("self",), no_key=True)
            .select_related("card_system")
            .filter(uitpas_number=number)
            .first()
        )
        if card is None:
            raise UitpasError(
                ErrorCode.UNKNOWN_UITPASNUMBER,
                _("No card has the UiTPAS number %(number)s.") % {"number": number},
                field="uitpas_number",
            )
        if balie is not None:
            allowed = block in balie_permissions(balie).get(card.card_system_id, ())
        else:
            administered = administered_card_system_ids(user)
            allowed = administered is None or card.card_system_id in administered
        if not allowed:
            raise UitpasError(
                ErrorCode.ACCESS_DENIED,
                _("%(who)s may not block cards of %(card_system)s.")
                % {"who": balie or _("You"), "card_system": card.card_system},
                field="balie",
                required_permission=block.api_name,
            )
        if not Transition.BLOCK.allows(card.status):
            raise UitpasError(
                ErrorCode.INVALID_CARD_STATUS,
                _("Card %(number)s is %(status)s; only an ACTIVE card can be blocked.")
                % {"number": number, "status": card.status},
                field="uitpas_number",
            )
        insert_history_of(
            Card.objects.filter(pk=card.pk),
            to_status=Transition.BLOCK.target,
            reason=Transition.BLOCK.history_reason,
            user=user,
            balie=Value(balie and balie.pk, output_field=models.BigIntegerField()),
        )
        Card.objects.filter(pk=card.pk).update(status=Transition.BLOCK.target)
        _audit(
            Transition.BLOCK,
            user=user,
            card_system_id=card.card_system_id,
            balie=balie,
            count=1,
            first_number=number,
            last_number=number,
            from_statuses=[card.status],
        )
        card.status = Transition.BLOCK.target
    return card


# The shared machinery of the transitions ----------------------------------------------


@dataclass
class _Group:
    """The chosen cards of one card system at one balie (None: at none): the audit log's
    entry of an operation on them."""

    count: int = 0
    first_number: str = ""
    last_number: str = ""
    statuses: set[str] = field(default_factory=set)

    def add(self, number: str, status: str) -> None:
        self.count += 1
        self.first_number = min(self.first_number or number, number)
        self.last_number = max(self.last_number, number)
        self.statuses.add(status)


@dataclass
class _Selection:
    """The chosen cards, locked: what the checks need to know about them."""

    ids: list[int]
    card_system_ids: set[int] = field(default_factory=set)
    # By (card system id, balie id): the card systems and balies the cards are of.
    groups: dict[tuple[int, int | None], _Group] = field(default_factory=dict)
    kansenpas_card_system_ids: set[int] = field(default_factory=set)
    # For each status: how many cards have it, and the first few numbers.
    statuses: dict[str, list] = field(default_factory=dict)
    first_number: str = ""
    last_number: str = ""


_KEEP_BALIE = object()


def _administrators_change(
    *,
    user: User,
    card_ids: Collection[int],
    transition: Transition,
    history_balie: models.Expression | F | None = None,
    check_only: bool,
) -> StockChange:
    def check(selection: _Selection) -> None:
        _require_stock_right(user, selection.card_system_ids)
        _require_status(selection, transition)

    return _change(
        user=user,
        card_ids=card_ids,
        transition=transition,
        check=check,
        new_balie=None if transition.target in (CardStatus.STOCK, CardStatus.DELETED) else _KEEP_BALIE,
        history_balie=history_balie,
        check_only=check_only,
    )


def _change(
    *,
    user: User,
    card_ids: Collection[int],
    transition: Transition,
    check: Callable[[_Selection], None],
    new_balie,
    history_balie: models.Expression | F | None,
    check_only: bool,
) -> StockChange:
    """Lock the cards, ``check`` them all, then (unless ``check_only``) change them and
    write their history, batch by batch. One transaction."""
    with transaction.atomic():
        selection = _locked_selection(card_ids)
        check(selection)
        if not check_only:
            changes: dict = {"status": transition.target}
            if new_balie is not _KEEP_BALIE:
                changes["balie"] = new_balie
            for batch in batched(selection.ids, BATCH_SIZE):
                cards = Card.objects.filter(pk__in=batch)
                insert_history_of(
                    cards,
                    to_status=transition.target,
                    reason=transition.history_reason,
                    user=user,
                    balie=history_balie,
                )
                cards.update(**changes)
            _audit_selection(transition, user=user, selection=selection, new_balie=new_balie)
    return StockChange(transition, len(selection.ids), selection.first_number, selection.last_number)


def _audit_selection(transition: Transition, *, user: User, selection: _Selection, new_balie) -> None:
    """One audit entry per card system and balie of the changed cards: for the balie
    they went to (sending) or the one they were at (confirming, returning)."""
    balies = Balie.objects.in_bulk({balie_id for _cs, balie_id in selection.groups if balie_id is not None})
    for (card_system_id, balie_id), group in sorted(
        selection.groups.items(), key=lambda item: item[1].first_number
    ):
        _audit(
            transition,
            user=user,
            card_system_id=card_system_id,
            balie=new_balie if isinstance(new_balie, Balie) else balies.get(balie_id),
            count=group.count,
            first_number=group.first_number,
            last_number=group.last_number,
            from_statuses=sorted(group.statuses),
        )


def _audit(
    transition: Transition,
    *,
    user: User,
    card_system_id: int,
    count: int,
    first_number: str,
    last_number: str,
    balie: Balie | None = None,
    from_statuses: Collection[str] = (),
) -> None:
    stock_entry(
        action=_AUDIT_ACTIONS[transition],
        user=user,
        card_system_id=card_system_id,
        balie=balie,
        count=count,
        first_number=first_number,
        last_number=last_number,
        from_statuses=list(from_statuses or transition.sources),
        to_status=transition.target,
    ).save()


def _locked_selection(card_ids: Collection[int]) -> _Selection:
    ids = sorted(set(card_ids))
    if not ids:
        raise UitpasError(ErrorCode.MISSING_REQUIRED_FIELDS, _("No cards were chosen."))
    selection = _Selection(ids)
    # Card systems first, then cards, each by id: the order every stock change locks in.
    for batch in batched(ids, BATCH_SIZE):
        selection.card_system_ids.update(
            Card.objects.filter(pk__in=batch).order_by().values_list("card_system_id", flat=True).distinct()
        )
    list(
        CardSystem.objects.select_for_update(no_key=True)
        .filter(pk__in=selection.card_system_ids)
        .order_by("pk")
    )
    found = 0
    for batch in batched(ids, BATCH_SIZE):
        rows = (
            Card.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=batch)
            .order_by("pk")
            .values_list("uitpas_number", "status", "card_system_id", "balie_id", "kansenpas")
        )
        for number, status, card_system_id, balie_id, kansenpas in rows:
            found += 1
            selection.groups.setdefault((card_system_id, balie_id), _Group()).add(number, status)
            if kansenpas:
                selection.kansenpas_card_system_ids.add(card_system_id)
            count_and_numbers = selection.statuses.setdefault(status, [0, []])
            count_and_numbers[0] += 1
            if len(count_and_numbers[1]) < NAMED_IN_REFUSAL:
                count_and_numbers[1].append(number)
            if not selection.first_number or number < selection.first_number:
                selection.first_number = number
            selection.last_number = max(selection.last_number, number)
    if found != len(ids):
        raise UitpasError(
            ErrorCode.UNKNOWN_CARD,
            ngettext(
                "%(count)s of the chosen cards does not exist.",
                "%(count)s of the chosen cards do not exist.",
                len(ids) - found,
            )
            % {"count": len(ids) - found},
        )
    return selection


def _require_stock_right(user: User, card_system_ids: Iterable[int]) -> None:
    administered = administered_card_system_ids(user)
    not_administered = [] if administered is None else sorted(set(card_system_ids) - administered)
    if not_administered:
        raise UitpasError(
            ErrorCode.ACCESS_DENIED,
            _("You do not manage the stock of %(card_system)s.")
            % {"card_system": CardSystem.objects.get(pk=not_administered[0])},
            required_permission=_STOCK.api_name,
        )


def _require_status(selection: _Selection, transition: Transition) -> None:
    wrong = sorted(
        (status, found) for status, found in selection.statuses.items() if not transition.allows(status)
    )
    if not wrong:
        return
    count = sum(found_count for _status, (found_count, _numbers) in wrong)
    named = [f"{number} ({status})" for status, (_count, numbers) in wrong for number in numbers]
    named = named[:NAMED_IN_REFUSAL]
    raise UitpasError(
        ErrorCode.INVALID_CARD_STATUS,
        _(
            "%(count)s of the %(total)s cards cannot become %(target)s, only cards that are %(sources)s: "
            "%(examples)s. Nothing was changed."
        )
        % {
            "count": count,
            "total": len(selection.ids),
            "target": transition.target,
            "sources": " / ".join(sorted(transition.sources)),
            "examples": ", ".join(named) + (" …" if count > len(named) else ""),
        },
    )


def _require_balie_may_receive(balie: Balie, selection: _Selection) -> None:
    held = balie_permissions(balie)
    member_of = set(balie.card_systems.values_list("pk", flat=True))
    # The rights the balie holds in each card system of the cards, as one of its balies.
    rights = {pk: held.get(pk, set()) if pk in member_of else set() for pk in selection.card_system_ids}
    for card_system_id in sorted(selection.card_system_ids):
        if CardSystemPermission.PASSHOLDER_CREATE not in rights[card_system_id]:
            raise UitpasError(
                ErrorCode.ACCESS_DENIED,
                _(
                    "%(balie)s does not register passholders in %(card_system)s, so it cannot receive its cards."
                )
                % {"balie": balie, "card_system": CardSystem.objects.get(pk=card_system_id)},
                field="balie",
                required_permission=CardSystemPermission.PASSHOLDER_CREATE.api_name,
            )
    for card_system_id in sorted(selection.kansenpas_card_system_ids):
        if CardSystemPermission.KANSENSTATUUT_CREATE not in rights[card_system_id]:
            raise UitpasError(
                ErrorCode.ACCESS_DENIED,
                _(
                    "%(balie)s does not grant kansenstatuut in %(card_system)s, so it cannot receive kansenpas cards."
                )
                % {"balie": balie, "card_system": CardSystem.objects.get(pk=card_system_id)},
                field="balie",
                required_permission=CardSystemPermission.KANSENSTATUUT_CREATE.api_name,
            )

"""The price lists: adding, changing and deleting rows.

A card system's administrator (or a superuser) keeps its price list. Two rows of one
list never fit the same registration: rows of the same card system, reason, card type,
kansenstatuut and voucher type (or none) must have age ranges that do not overlap, and
only one of them may be the price when the age is unknown. The database holds the
second rule (a unique index); the first is checked here, with the card system's row
locked so that two administrators saving at once cannot both add an overlapping row.
Every change is in the audit log.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cardsystems.audit import entry as audit_entry
from cardsystems.models import AuditEntry, CardSystem, UitpasPrice
from cardsystems.selectors import administered_card_system_ids
from uitpas_site.errors import ErrorCode, UitpasError

# The fields of a row, as the audit log names their changes.
_AUDITED_FIELDS = [
    "card_system",
    "reason",
    "card_type",
    "age_from",
    "age_to",
    "use_when_age_unknown",
    "kansenstatuut",
    "voucher_type",
    "price",
]


def check_price_row(*, row: UitpasPrice) -> None:
    """Refuse (INVALID_PARAMETERS, naming the other row) a row that would fit a
    registration another row of the price list fits, a voucher type of another card
    system, or an age range that ends before it starts. Locks the card system's row until
    the transaction ends, so that a save in the same transaction finds the list as
    checked."""
    with transaction.atomic():
        _lock_price_lists({row.card_system_id})
        _check(row)


@transaction.atomic
def save_price(*, user: User, row: UitpasPrice) -> UitpasPrice:
    """Add ``row`` to its card system's price list, or save its changes, after the checks
    of :func:`check_price_row`; for the card system's administrators and superusers
    (ACCESS_DENIED otherwise). Recorded in the audit log."""
    before = None
    card_system_ids = {row.card_system_id}
    if row.pk is not None:
        before = UitpasPrice.objects.select_related("card_system", "voucher_type").get(pk=row.pk)
        card_system_ids.add(before.card_system_id)
    _check_administers(user, card_system_ids)
    _lock_price_lists(card_system_ids)
    _check(row)
    row.save()
    changes = {
        name: (_shown(before, name) if before else None, _shown(row, name))
        for name in _AUDITED_FIELDS
        if before is None or _shown(before, name) != _shown(row, name)
    }
    if changes:
        audit_entry(
            action=AuditEntry.Action.PRICE_CHANGED if before else AuditEntry.Action.PRICE_ADDED,
            obj=row,
            changes=changes,
            user=user,
            card_system=row.card_system,
        ).save()
    return row


@transaction.atomic
def delete_price(*, user: User, row: UitpasPrice) -> None:
    """Take ``row`` off its price list; for the card system's administrators and
    superusers. Sales keep the amount they charged and a copy of the row. Recorded in
    the audit log."""
    _check_administers(user, {row.card_system_id})
    _lock_price_lists({row.card_system_id})
    audit_entry(
        action=AuditEntry.Action.PRICE_DELETED,
        obj=row,
        changes={name: (_shown(row, name), None) for name in _AUDITED_FIELDS},
        user=user,
        card_system=row.card_system,
    ).save()
    row.delete()


def _check_administers(user: User, card_system_ids: set[int]) -> None:
    administered = administered_card_system_ids(user)
    if administered is not None and not card_system_ids <= administered:
        raise UitpasError(
            ErrorCode.ACCESS_DENIED, _("Only the card system's administrators change its price list.")
        )


def _lock_price_lists(card_system_ids: set[int]) -> None:
    # By id, as the stock services lock card systems.
    list(CardSystem.objects.filter(pk__in=card_system_ids).order_by("pk").select_for_update(no_key=True))


def _check(row: UitpasPrice) -> None:
    # No query without a voucher type: Django answers None for a null foreign key.
    if row.voucher_type is not None and row.voucher_type.card_system_id != row.card_system_id:
        raise UitpasError(
            ErrorCode.INVALID_PARAMETERS,
            _("The voucher type %(type)s is not of %(card_system)s.")
            % {"type": row.voucher_type, "card_system": row.card_system},
            field="voucher_type",
        )
    if row.age_from is not None and row.age_to is not None and row.age_from > row.age_to:
        raise UitpasError(
            ErrorCode.INVALID_PARAMETERS, _("The age range ends before it starts."), field="age_to"
        )
    same_registrations = (
        UitpasPrice.objects.select_related("voucher_type")
        .filter(
            card_system_id=row.card_system_id,
            reason=row.reason,
            card_type=row.card_type,
            kansenstatuut=row.kansenstatuut,
            voucher_type_id=row.voucher_type_id,
        )
        .exclude(pk=row.pk)
        .order_by("pk")
    )
    for other in same_registrations:
        if row.use_when_age_unknown and other.use_when_age_unknown:
            raise UitpasError(
                ErrorCode.INVALID_PARAMETERS,
                _(
                    "Another row of this price list is already the price when the age is unknown: %(row)s. "
                    "Only one row can be: untick it here, or change that row first."
                )
                % {"row": other},
                field="use_when_age_unknown",
            )
        if _ages_overlap(row, other):
            raise UitpasError(
                ErrorCode.INVALID_PARAMETERS,
                _(
                    "Another row of this price list fits the same registrations: %(row)s. Two rows never fit "
                    "the same registration: change the age range here, or change that row first."
                )
                % {"row": other},
            )


def _ages_overlap(one: UitpasPrice, other: UitpasPrice) -> bool:
    """Whether some age lies in both ranges (an empty bound is open)."""
    starts = [age for age in (one.age_from, other.age_from) if age is not None]
    ends = [age for age in (one.age_to, other.age_to) if age is not None]
    return not starts or not ends or max(starts) <= min(ends)


def _shown(row: UitpasPrice, name: str) -> object:
    value = getattr(row, name)
    if name == "price":
        return f"{value:.2f}"
    return value

"""Sales: what a balie charged for a card, and the refunds that correct them.

A sale is written once, by the operation that hands out the card (newCard calls
:func:`record_sale` inside its own transaction), and never changed or deleted. A
mistake is corrected by a refund: a new sale with a negative amount that names the sale
it refunds and says why, made by an administrator of the card system (or a superuser)
and recorded in the audit log.
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cardsystems.audit import entry as audit_entry
from cardsystems.models import AuditEntry, Balie, Card, Sale, Voucher
from cardsystems.price_selectors import RegistrationPrice
from cardsystems.selectors import administered_card_system_ids
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.prepared_sql import insert_one

if TYPE_CHECKING:
    from passholders.models import Passholder


def record_sale(
    *,
    user: User | None,
    balie: Balie | None,
    passholder: "Passholder",
    card: Card,
    reason: str,
    voucher: Voucher | None,
    price: RegistrationPrice,
) -> Sale:
    """Record that ``balie`` (None: an administrator acting for no balie) charged
    ``price`` for handing ``card`` to ``passholder`` for ``reason``, with ``voucher``;
    ``user`` is the clerk. Call it inside the operation's transaction, with the price
    from :func:`~cardsystems.price_selectors.price_of_registration`. One INSERT, not
    through ``save()``; the card (with its card system id and kansenpas flag) is used as
    loaded.

    The sale keeps the amount and a copy of the price row, so it reads right after the
    row changes; a free card (0.00) says whether the voucher or the kansenstatuut made
    it so.
    """
    row = price.row
    clerk = user if user is not None and user.pk is not None else None
    sale = Sale(
        card_system_id=card.card_system_id,
        balie=balie,
        clerk=clerk,
        clerk_name=clerk.get_username() if clerk is not None else "",
        passholder=passholder,
        card=card,
        reason=reason,
        kansenstatuut=card.kansenpas,
        voucher=voucher,
        price=row,
        price_snapshot=row.snapshot() if row is not None else None,
        amount=price.amount,
        free_because=price.free_because,
    )
    # On newCard's path: one INSERT … RETURNING, without save() and its signals (a sale
    # has none) and without validation (the values come from the checked registration).
    insert_one(sale)
    return sale


@transaction.atomic
def refund_sale(*, user: User, sale_id: int, amount: Decimal | None, reason: str) -> Sale:
    """Give back ``amount`` (None: all) of the sale ``sale_id``, because of ``reason``:
    a new sale of minus that amount, at the sale's balie, for the sale's card,
    passholder and reason. By an administrator of the sale's card system or a
    superuser; once per sale. Recorded in the audit log.

    Refused with ACCESS_DENIED (not an administrator of its card system),
    MISSING_REQUIRED_FIELDS (no reason), INVALID_PARAMETERS (the sale is a refund
    itself, or the amount is not between 0.01 and what the sale charged) or
    ACTION_FAILED (the sale was refunded already).
    """
    sale = (
        Sale.objects.select_for_update(of=("self",), no_key=True)
        .select_related("balie", "card_system")
        .filter(pk=sale_id)
        .first()
    )
    administered = administered_card_system_ids(user)
    if sale is None or (administered is not None and sale.card_system_id not in administered):
        raise UitpasError(
            ErrorCode.ACCESS_DENIED, _("Only an administrator of the card system refunds its sales.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise UitpasError(
            ErrorCode.MISSING_REQUIRED_FIELDS, _("Say why the sale is refunded."), field="reason"
        )
    if sale.is_refund:
        raise UitpasError(ErrorCode.INVALID_PARAMETERS, _("A refund cannot be refunded."))
    if Sale.objects.filter(refunded_sale=sale).exists():
        raise UitpasError(ErrorCode.ACTION_FAILED, _("This sale has been refunded already."))
    amount = sale.amount if amount is None else amount
    if not Decimal("0.01") <= amount <= sale.amount:
        raise UitpasError(
            ErrorCode.INVALID_PARAMETERS,
            _("A refund gives back between € 0.01 and what the sale charged (€ %(amount)s).")
            % {"amount": formats.number_format(sale.amount, 2)},
            field="amount",
        )
    refund = Sale.objects.create(
        card_system_id=sale.card_system_id,
        balie=sale.balie,
        clerk=user,
        clerk_name=user.get_username(),
        passholder_id=sale.passholder_id,
        card_id=sale.card_id,
        reason=sale.reason,
        kansenstatuut=sale.kansenstatuut,
        price_snapshot=sale.price_snapshot,
        amount=-amount,
        refunded_sale=sale,
        refund_reason=reason,
    )
    audit_entry(
        action=AuditEntry.Action.SALE_REFUNDED,
        obj=sale,
        changes={"refund": (None, f"-{amount:.2f}"), "reason": (None, reason)},
        user=user,
        balie=sale.balie,
        card_system=sale.card_system,
    ).save()
    return refund

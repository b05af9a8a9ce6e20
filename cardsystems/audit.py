"""Writing the audit log: who changed what, when, acting for which balie.

Card status changes have their own record, the card history (``CardHistory``, a row per
card); each stock operation (generate, import, send, confirm arrival, return, delete,
block) is also one :class:`AuditEntry` with its count and its range of numbers, so the log
says who moved which cards, for which balie, without a row per card. Every other change
of the services' data is an entry too: memberships and vouchers changed by newCard, the
rights a balie or a person holds on a card system, API tokens.
An entry copies the names it needs (user, balie, object), so it still reads right after
the object it describes changed or was deleted; the admin shows it and never edits it.

Services write their entries themselves, with the acting user and balie. Rights and
tokens are changed by django-guardian's and DRF's own admin screens (and by
``drf_create_token``), a balie's staff by the admin's balie form or by any code that
adds to or removes from ``Balie.staff`` (or ``user.balies``), and login lockouts by
django-axes (lifted in its admin, by ``axes_reset`` or when they expire); signal
receivers record those, with the person who made the request (see
:func:`acting_user`), or none for the command line.

The model is :class:`cardsystems.models.AuditEntry`; the signal receivers are in
:mod:`cardsystems.signals`; the middleware that makes the request known to them is
:func:`uitpas_site.middleware.acting_request`.
"""

from django.contrib.auth import get_user_model
from django.db import models

from cardsystems.models import AuditEntry, Card
from uitpas_site.middleware import current_request


def entry(
    *,
    action: str,
    obj: models.Model,
    changes: dict[str, tuple[object, object]],
    user=None,
    balie=None,
    card_system=None,
) -> AuditEntry:
    """An unsaved entry (newCard writes its entries in one statement)."""
    return AuditEntry(
        action=action,
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None and user.pk else "",
        balie=balie,
        balie_name=balie.name if balie is not None else "",
        card_system=card_system,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:300],
        changes={field: [_text(before), _text(after)] for field, (before, after) in changes.items()},
    )


def stock_entry(
    *,
    action: str,
    user,
    card_system_id: int,
    balie,
    count: int,
    first_number: str,
    last_number: str,
    from_statuses: list[str],
    to_status: str,
) -> AuditEntry:
    """An unsaved entry of a stock operation on ``count`` cards of one card system, from
    ``first_number`` to ``last_number``, for ``balie`` (the one whose stock the cards
    enter or leave, or the one a block was done for; None for the central stock)."""
    return AuditEntry(
        action=action,
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None and user.pk else "",
        balie=balie,
        balie_name=balie.name if balie is not None else "",
        card_system_id=card_system_id,
        object_type=Card._meta.label_lower,
        object_repr=first_number if first_number == last_number else f"{first_number} – {last_number}",
        card_count=count,
        changes={"status": [",".join(sorted(from_statuses)) or None, to_status]},
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def login_entry(
    action: str, username: str, *, changes: dict[str, tuple[object, object]], acting_user
) -> None:
    """An entry about the login of ``username`` (who may not exist: guessers guess names)."""
    acting = acting_user
    AuditEntry.objects.create(
        action=action,
        user=acting,
        username=acting.get_username() if acting else "",
        object_type=get_user_model()._meta.label_lower,
        object_repr=(username or "")[:300],
        changes={field: [_text(before), _text(after)] for field, (before, after) in changes.items()},
    )


def acting_user():
    """The person whose request is being served; None on the command line."""
    user = getattr(current_request(), "user", None)
    return user if user is not None and user.is_authenticated else None

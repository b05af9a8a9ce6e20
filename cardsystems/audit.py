"""The audit log: who changed what, when, acting for which balie.

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
:func:`acting_request`), or none for the command line.
"""

import contextvars
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission
from rest_framework.authtoken.models import Token

from cardsystems.permissions import CardSystemPermission


class AuditEntry(models.Model):
    """One recorded change: by whom, for which balie, when, to what, and how."""

    class Action(models.TextChoices):
        NEW_CARD = "NEW_CARD", _("new card registered")
        RIGHT_GRANTED = "RIGHT_GRANTED", _("right granted")
        RIGHT_REVOKED = "RIGHT_REVOKED", _("right revoked")
        TOKEN_CREATED = "TOKEN_CREATED", _("API token created")
        TOKEN_DELETED = "TOKEN_DELETED", _("API token deleted")
        OAUTH_CONSUMER_CREATED = "OAUTH_CONSUMER_CREATED", _("API application created")
        OAUTH_TOKEN_ISSUED = "OAUTH_TOKEN_ISSUED", _("OAuth access token issued")
        OAUTH_TOKEN_REVOKED = "OAUTH_TOKEN_REVOKED", _("OAuth access token revoked")
        LOGIN_LOCKED_OUT = "LOGIN_LOCKED_OUT", _("login locked out (too many wrong passwords)")
        LOGIN_UNLOCKED = "LOGIN_UNLOCKED", _("login unlocked")
        STAFF_ADDED = "STAFF_ADDED", _("added to a balie's staff")
        STAFF_REMOVED = "STAFF_REMOVED", _("removed from a balie's staff")
        # Stock operations: one entry per operation (and card system and balie it touched).
        CARDS_GENERATED = "CARDS_GENERATED", _("UiTPAS numbers generated")
        CARDS_IMPORTED = "CARDS_IMPORTED", _("supplier's file imported")
        CARDS_SENT = "CARDS_SENT", _("cards sent to a balie")
        ARRIVAL_CONFIRMED = "ARRIVAL_CONFIRMED", _("arrival of cards confirmed")
        CARDS_RETURNED = "CARDS_RETURNED", _("cards sent back to central stock")
        CARDS_DELETED = "CARDS_DELETED", _("cards deleted")
        CARDS_BLOCKED = "CARDS_BLOCKED", _("cards blocked")
        PRICE_ADDED = "PRICE_ADDED", _("price added")
        PRICE_CHANGED = "PRICE_CHANGED", _("price changed")
        PRICE_DELETED = "PRICE_DELETED", _("price deleted")
        SALE_REFUNDED = "SALE_REFUNDED", _("sale refunded")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    username = models.CharField(_("by (name)"), max_length=150, blank=True)
    balie = models.ForeignKey(
        "cardsystems.Balie",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for balie"),
    )
    balie_name = models.CharField(_("for balie (name)"), max_length=200, blank=True)
    card_system = models.ForeignKey(
        "cardsystems.CardSystem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("card system"),
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    # The model's label ("passholders.membership"): the same in every language.
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300)
    # A stock operation's object is a range of cards: object_repr holds "first – last".
    card_count = models.PositiveIntegerField(_("number of cards"), null=True, blank=True)
    # {"field": [before, after], ...}, values as text.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["card_system", "-created_at"], name="audit_card_system_idx")]

    def __str__(self) -> str:
        when = (
            date_format(timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT")
            if self.created_at
            else ""
        )
        return f"{when} {self.username or '–'}: {self.get_action_display()} – {self.object_repr}"

    @property
    def object_in_words(self) -> str:
        """The object as the log names it; for a stock operation, its cards counted."""
        if self.card_count is None:
            return self.object_repr
        return ngettext("%(count)s card: %(numbers)s", "%(count)s cards: %(numbers)s", self.card_count) % {
            "count": self.card_count,
            "numbers": self.object_repr,
        }

    @property
    def object_type_name(self) -> str:
        """The model's verbose name, in the active language."""
        model = self._model()
        return model._meta.verbose_name if model else self.object_type

    def _model(self) -> type[models.Model] | None:
        try:
            return apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return None

    def changes_in_words(self) -> list["ChangeInWords"]:
        """What changed, as a reader says it: each field by its name on the form, each
        value in words (a status by its name, yes or no, a date as a date); a right by
        what it allows, with its API name."""
        model = self._model()
        return [
            _change_in_words(model, name, before, after) for name, (before, after) in self.changes.items()
        ]


@dataclass(frozen=True)
class ChangeInWords:
    label: str
    before: str
    after: str
    code: str | None = None  # the API's name of a right, for those who look for it


# What the entries record that is no field of their object.
_OTHER_LABELS = {
    "token": _("API token"),
    "login": _("login (user name @ address)"),
}
_NOTHING = "–"


def _change_in_words(model, name: str, before: str | None, after: str | None) -> ChangeInWords:
    right = CardSystemPermission.of_api_name(name)
    if right is not None:
        return ChangeInWords(str(right.label), before or _NOTHING, after or _NOTHING, right.api_name)
    field = _field(model, name)
    if field is None:
        label = _OTHER_LABELS.get(name, name.replace("_", " "))
        return ChangeInWords(str(label), before or _NOTHING, after or _NOTHING)
    return ChangeInWords(
        str(field.verbose_name), _value_in_words(field, before), _value_in_words(field, after)
    )


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except LookupError:
        return None


def _value_in_words(field, value: str | None) -> str:
    if value is None or value == "":
        return _NOTHING
    if isinstance(field, models.BooleanField):
        return {"True": gettext("yes"), "False": gettext("no")}.get(value, value)
    if field.choices:
        labels = dict(field.flatchoices)
        # A stock operation may start from several statuses ("SENT_TO_BALIE,LOCAL_STOCK").
        return " / ".join(str(labels.get(part, part)) for part in value.split(","))
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    return value


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
    from cardsystems.models import Card

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


# The request being served, for the signal receivers below: they run inside code that
# does not pass the acting person along (guardian's and DRF's admin screens).
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)


def acting_request(get_response: Callable[[HttpRequest], HttpResponse]):
    """Middleware: makes the request known to the audit receivers while it is served."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return get_response(request)
        finally:
            _request.reset(token)

    return middleware


def acting_user():
    """The person whose request is being served; None on the command line."""
    request = _request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@receiver(post_save, sender=GroupObjectPermission)
@receiver(post_save, sender=UserObjectPermission)
@receiver(post_delete, sender=GroupObjectPermission)
@receiver(post_delete, sender=UserObjectPermission)
def _right_changed(sender, instance, signal, created=None, **kwargs) -> None:
    from cardsystems.models import Balie, CardSystem

    granted = signal is post_save
    if (granted and not created) or instance.content_type.model_class() is not CardSystem:
        return
    card_system = CardSystem.objects.filter(pk=instance.object_pk).first()
    if sender is GroupObjectPermission:
        balie = Balie.objects.filter(permission_group_id=instance.group_id).first()
        holder = str(balie) if balie else f"group {instance.group_id}"
    else:
        holder = (
            get_user_model().objects.filter(pk=instance.user_id).values_list("username", flat=True).first()
        )
    right = _right_name(instance.permission.codename)
    entry(
        action=AuditEntry.Action.RIGHT_GRANTED if granted else AuditEntry.Action.RIGHT_REVOKED,
        obj=card_system or instance,
        changes={right: (None, holder) if granted else (holder, None)},
        user=acting_user(),
        card_system=card_system,
    ).save()


def _right_name(codename: str) -> str:
    """The API's name of one of the four rights; Django's own permissions (which code
    may still grant on a card system) by their codename."""
    try:
        return CardSystemPermission(codename).api_name
    except ValueError:
        return codename


@receiver(post_save, sender=Token)
@receiver(post_delete, sender=Token)
def _token_changed(sender, instance, signal, created=None, **kwargs) -> None:
    created_now = signal is post_save
    if created_now and not created:
        return
    owner = instance.user.get_username()
    entry(
        action=AuditEntry.Action.TOKEN_CREATED if created_now else AuditEntry.Action.TOKEN_DELETED,
        obj=instance.user,
        changes={"token": (None, owner) if created_now else (owner, None)},
        user=acting_user(),
    ).save()


@receiver(user_locked_out)
def _login_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    # django-axes tells again at every refused attempt; the lockout begins at the limit.
    failures = AccessAttempt.objects.filter(username=username, ip_address=ip_address).values_list(
        "failures_since_start", flat=True
    )
    if settings.AXES_FAILURE_LIMIT not in failures:
        return
    _login_entry(
        AuditEntry.Action.LOGIN_LOCKED_OUT, username, changes={"login": (None, f"{username} @ {ip_address}")}
    )


@receiver(post_delete, sender=AccessAttempt)
def _login_unlocked(sender, instance: AccessAttempt, **kwargs) -> None:
    # Attempts are deleted after a good password too; only a lockout's end is news.
    if instance.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return
    lockout = f"{instance.username} @ {instance.ip_address}"
    _login_entry(AuditEntry.Action.LOGIN_UNLOCKED, instance.username, changes={"login": (lockout, None)})


def _login_entry(action: str, username: str, *, changes: dict[str, tuple[object, object]]) -> None:
    """An entry about the login of ``username`` (who may not exist: guessers guess names)."""
    acting = acting_user()
    AuditEntry.objects.create(
        action=action,
        user=acting,
        username=acting.get_username() if acting else "",
        object_type=get_user_model()._meta.label_lower,
        object_repr=(username or "")[:300],
        changes={field: [_text(before), _text(after)] for field, (before, after) in changes.items()},
    )


@receiver(m2m_changed, sender="cardsystems.Balie_staff")
def _staff_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Who was added to or removed from which balie's staff. Both sides of the relation
    send this (``balie.staff.add(person)``, ``person.balies.add(balie)``); a clear is
    recorded before it happens, when the people it removes are still known."""
    from cardsystems.models import Balie

    if action not in ("post_add", "post_remove", "pre_clear") or (action != "pre_clear" and not pk_set):
        return
    if reverse:  # ``instance`` is the person, ``pk_set`` their balies
        balies = instance.balies.all() if action == "pre_clear" else Balie.objects.filter(pk__in=pk_set)
        changed = [(balie, [instance]) for balie in balies.order_by("pk")]
    else:
        people = instance.staff.all() if action == "pre_clear" else model.objects.filter(pk__in=pk_set)
        changed = [(instance, list(people.order_by(model.USERNAME_FIELD)))]
    added = action == "post_add"
    by = acting_user()
    entries = [
        entry(
            action=AuditEntry.Action.STAFF_ADDED if added else AuditEntry.Action.STAFF_REMOVED,
            obj=balie,
            changes={"staff": (None, person.get_username()) if added else (person.get_username(), None)},
            user=by,
            card_system=card_system,
        )
        for balie, people in changed
        # One entry per card system the balie serves: the administrators of each see it.
        for card_system in list(balie.card_systems.order_by("pk")) or [None]
        for person in people
    ]
    AuditEntry.objects.bulk_create(entries)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def _person_deleted(sender, instance, **kwargs) -> None:
    # The deletion would drop the person from their balies without a signal of the
    # relation; taking them off first records it.
    instance.balies.clear()

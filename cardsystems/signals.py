"""Signal receivers of the audit log: changes made by code that does not write its own
entry (django-guardian's and DRF's admin screens, django-axes, a balie's staff changed
from either side of the relation), recorded with the person who made the request
(:func:`cardsystems.audit.acting_user`). Connected in ``CardsystemsConfig.ready()``."""

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from guardian.models import GroupObjectPermission, UserObjectPermission
from rest_framework.authtoken.models import Token

from cardsystems.audit import acting_user, entry, login_entry
from cardsystems.models import AuditEntry, Balie, CardSystem
from cardsystems.permissions import CardSystemPermission


@receiver(post_save, sender=GroupObjectPermission)
@receiver(post_save, sender=UserObjectPermission)
@receiver(post_delete, sender=GroupObjectPermission)
@receiver(post_delete, sender=UserObjectPermission)
def _right_changed(sender, instance, signal, created=None, **kwargs) -> None:
    granted = signal is post_save
    if (granted and not created) or instance.content_type.model_class() is not CardSystem:
        return
    card_system = CardSystem.objects.filter(pk=instance.object_pk).first()
    holder: str | None  # None: the user is gone
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
    login_entry(
        AuditEntry.Action.LOGIN_LOCKED_OUT,
        username,
        changes={"login": (None, f"{username} @ {ip_address}")},
        acting_user=acting_user(),
    )


@receiver(post_delete, sender=AccessAttempt)
def _login_unlocked(sender, instance: AccessAttempt, **kwargs) -> None:
    # Attempts are deleted after a good password too; only a lockout's end is news.
    if instance.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return
    lockout = f"{instance.username} @ {instance.ip_address}"
    login_entry(
        AuditEntry.Action.LOGIN_UNLOCKED,
        instance.username,
        changes={"login": (lockout, None)},
        acting_user=acting_user(),
    )


@receiver(m2m_changed, sender="cardsystems.Balie_staff")
def _staff_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Who was added to or removed from which balie's staff. Both sides of the relation
    send this (``balie.staff.add(person)``, ``person.balies.add(balie)``); a clear is
    recorded before it happens, when the people it removes are still known."""
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

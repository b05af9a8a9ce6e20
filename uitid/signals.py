"""Every user gets a uid when they are created; a deleted balie's own consumer goes with
it, its tokens revoked on the record first."""

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from cardsystems.audit import acting_user
from uitid.models import AccessToken, UserIdentity
from uitid.services import revoke_access_token


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _give_new_user_a_uid(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        UserIdentity.objects.get_or_create(user=instance)


@receiver(pre_delete, sender="cardsystems.Balie")
def _revoke_the_tokens_of_a_deleted_balie(sender, instance, **kwargs) -> None:
    # The balie's own consumer (and so its tokens) is deleted with it (CASCADE). Tokens
    # are otherwise revoked, never deleted, so that the audit log keeps who had access
    # until when: the revocation is recorded before they go.
    live = AccessToken.objects.filter(consumer__balie=instance, revoked_at__isnull=True)
    for access_token in live.select_related("user", "consumer__balie"):
        revoke_access_token(access_token=access_token, revoked_by=acting_user())

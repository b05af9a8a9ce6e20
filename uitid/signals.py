"""Every user gets a uid when they are created."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from uitid.models import UserIdentity


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _give_new_user_a_uid(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        UserIdentity.objects.get_or_create(user=instance)

"""Who calls the API: users' uids, OAuth 1.0a consumers, their tokens, and used nonces."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from uitid.formats import KEY_LENGTH
from uitid.sealing import unseal


class UserIdentity(models.Model):
    """A person's UiTiD: the stable uid by which the API names a user (the balie list,
    ``oauth_credentials``). Every user has one, made with the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity", verbose_name=_("user")
    )
    uid = models.UUIDField(_("uid"), unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("UiTiD")
        verbose_name_plural = _("UiTiDs")

    def __str__(self) -> str:
        return str(self.uid)


class Consumer(models.Model):
    """An OAuth consumer: an application that may sign API requests for the people who
    gave it an access token. Either a balie's own (its key is the balie's consumer key,
    and a request it signs acts for that balie when it names none) or an application's
    (a partner or back-office application acting for whichever balie its user works at)."""

    key = models.CharField(_("consumer key"), max_length=KEY_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=200)
    sealed_secret = models.TextField(_("secret (encrypted)"), editable=False)
    balie = models.OneToOneField(
        "cardsystems.Balie",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="oauth_consumer",
        verbose_name=_("balie"),
        help_text=_("Set for a balie's own consumer: its requests act for this balie by default."),
    )
    callback_url = models.URLField(
        _("callback URL"),
        max_length=2000,
        blank=True,
        help_text=_(
            "Where a person is sent back after approving this application, when the application "
            "names no callback itself."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API application (consumer)")
        verbose_name_plural = _("API applications (consumers)")
        ordering = ["name", "key"]
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="consumer_key_not_blank")]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return unseal(self.sealed_secret)


class AccessToken(models.Model):
    """A user access token (OAuth 1.0a): lets one consumer sign requests as one person,
    until it is revoked."""

    token = models.CharField(_("token"), max_length=KEY_LENGTH, unique=True)
    sealed_secret = models.TextField(_("token secret (encrypted)"), editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oauth_tokens",
        verbose_name=_("user"),
    )
    consumer = models.ForeignKey(
        Consumer, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("application")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    # Written at most once a minute per token, so that signed requests stay one read.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.token

    @property
    def secret(self) -> str:
        return unseal(self.sealed_secret)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RequestToken(models.Model):
    """The temporary credentials of the three-legged flow: issued to a consumer,
    approved by the person who logs in (who is then its ``user``, with a verifier),
    and exchanged once for an access token."""

    token = models.CharField(_("token"), max_length=KEY_LENGTH, unique=True)
    sealed_secret = models.TextField(editable=False)
    consumer = models.ForeignKey(Consumer, on_delete=models.CASCADE, related_name="+")
    callback = models.CharField(_("callback"), max_length=2000)
    verifier = models.CharField(max_length=KEY_LENGTH, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("request token")
        verbose_name_plural = _("request tokens")

    def __str__(self) -> str:
        return self.token

    @property
    def secret(self) -> str:
        return unseal(self.sealed_secret)


class UsedNonce(models.Model):
    """A nonce seen in a valid signed request, with its consumer, token and timestamp:
    the same four again are a replay. Kept as long as the timestamp is accepted."""

    consumer_key = models.CharField(max_length=KEY_LENGTH)
    token = models.CharField(max_length=KEY_LENGTH, blank=True)
    timestamp = models.BigIntegerField()
    nonce = models.CharField(max_length=KEY_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["timestamp", "nonce", "consumer_key", "token"], name="usednonce_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer_key} {self.token} {self.timestamp} {self.nonce}"

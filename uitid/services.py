"""The changes to API access: consumers, access tokens, and a person's approval of a
request token. Each is audited (``cardsystems.audit``) with the person who made it."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauthlib.common import add_params_to_uri, generate_token

from cardsystems.audit import entry as audit_entry
from cardsystems.models import AuditEntry, Balie
from uitid.formats import KEY_LENGTH, is_callback_url, is_key
from uitid.models import AccessToken, Consumer, RequestToken, UserIdentity
from uitid.sealing import seal
from uitpas_site.errors import ErrorCode, UitpasError

# The consumer that ``oauth_credentials`` issues tokens for when no key is given.
COMMAND_LINE_CONSUMER_KEY = "uitpas-command-line"


def new_secret() -> str:
    return generate_token(40)


def uid_of(user: User):
    """The person's uid (made now for a user created before uids existed)."""
    identity, _created = UserIdentity.objects.get_or_create(user=user)
    return identity.uid


@dataclass(frozen=True)
class Credentials:
    """Secrets are shown once, when they are made: this is that moment."""

    consumer: Consumer
    consumer_secret: str


@transaction.atomic
def create_consumer(
    *,
    name: str,
    key: str | None = None,
    balie: Balie | None = None,
    secret: str | None = None,
    callback_url: str = "",
    created_by: User | None,
) -> Credentials:
    """A new consumer with a new secret (``secret`` only for fixed demo data). A balie's
    own consumer takes the balie's consumer key."""
    if balie is not None:
        key = balie.consumer_key
    key = key or generate_token(32)
    _check_key(key)
    if Consumer.objects.filter(key=key).exists():
        raise UitpasError(
            ErrorCode.INVALID_PARAMETERS, _("A consumer with this key already exists."), field="key"
        )
    secret = secret or new_secret()
    consumer = Consumer.objects.create(
        key=key, name=name, balie=balie, callback_url=callback_url, sealed_secret=seal(secret)
    )
    audit_entry(
        action=AuditEntry.Action.OAUTH_CONSUMER_CREATED,
        obj=consumer,
        changes={"consumer_key": (None, key)},
        user=created_by,
        balie=balie,
    ).save()
    return Credentials(consumer, secret)


def _check_key(key: str) -> None:
    if not is_key(key):
        raise UitpasError(
            ErrorCode.INVALID_PARAMETERS,
            _("A consumer key has 1 to %(length)d letters, digits, dashes, dots, underscores or tildes.")
            % {"length": KEY_LENGTH},
            field="key",
        )


def consumer_for_command_line(*, consumer_key: str | None) -> tuple[Consumer, str]:
    """The consumer ``oauth_credentials`` issues for, with its secret: the one with that
    key; else the own consumer of the balie with that consumer key, created the first
    time; without a key, the command line's application consumer, created once."""
    if consumer_key is None:
        consumer = Consumer.objects.filter(key=COMMAND_LINE_CONSUMER_KEY).first()
        if consumer is None:
            return _made(
                create_consumer(
                    name="Command line (oauth_credentials)", key=COMMAND_LINE_CONSUMER_KEY, created_by=None
                )
            )
        return consumer, consumer.secret
    consumer = Consumer.objects.filter(key=consumer_key).first()
    if consumer is not None:
        return consumer, consumer.secret
    balie = Balie.objects.filter(consumer_key=consumer_key).first()
    if balie is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_BALIE_CONSUMERKEY,
            _("No consumer and no balie has the key %(key)s.") % {"key": consumer_key[:80]},
        )
    return _made(create_consumer(name=balie.name, balie=balie, created_by=None))


def _made(credentials: Credentials) -> tuple[Consumer, str]:
    return credentials.consumer, credentials.consumer_secret


@dataclass(frozen=True)
class IssuedToken:
    access_token: AccessToken
    secret: str
    user_uid: object


@transaction.atomic
def issue_access_token(
    *,
    user: User,
    consumer: Consumer,
    issued_by: User | None,
    token: str | None = None,
    secret: str | None = None,
) -> IssuedToken:
    """A new access token for ``user`` through ``consumer``; its secret is returned once."""
    token = token or generate_token(40)
    secret = secret or new_secret()
    access_token = AccessToken.objects.create(
        token=token, sealed_secret=seal(secret), user=user, consumer=consumer
    )
    audit_entry(
        action=AuditEntry.Action.OAUTH_TOKEN_ISSUED,
        obj=access_token,
        changes={"token": (None, f"{user.get_username()} / {consumer.key}")},
        user=issued_by,
        balie=consumer.balie,
    ).save()
    return IssuedToken(access_token, secret, uid_of(user))


@transaction.atomic
def revoke_access_token(*, access_token: AccessToken, revoked_by: User | None) -> bool:
    """Revokes the token (kept, for the record); False when it was revoked already."""
    revoked = AccessToken.objects.filter(pk=access_token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_entry(
            action=AuditEntry.Action.OAUTH_TOKEN_REVOKED,
            obj=access_token,
            changes={"token": (f"{access_token.user.get_username()} / {access_token.consumer.key}", None)},
            user=revoked_by,
            balie=access_token.consumer.balie,
        ).save()
    return bool(revoked)


@dataclass(frozen=True)
class Approval:
    """Where the person goes after approving: back to the application (``redirect``),
    or, for a consumer without a callback (``oob``), the verifier to type over."""

    redirect: str | None
    verifier: str


@transaction.atomic
def approve_request_token(
    *, request_token: RequestToken, user: User, callback_hint: str | None = None
) -> Approval:
    """The person lets the request token's consumer act as them: the consumer may now
    exchange it, with the verifier, for an access token."""
    verifier = generate_token(32)
    approved = RequestToken.objects.filter(pk=request_token.pk, user__isnull=True).update(
        user=user, verifier=verifier
    )
    if not approved:
        raise UitpasError(ErrorCode.ACTION_FAILED, _("This request was approved already."))
    callback = _callback(request_token, callback_hint)
    if callback is None:
        return Approval(None, verifier)
    return Approval(
        add_params_to_uri(callback, [("oauth_token", request_token.token), ("oauth_verifier", verifier)]),
        verifier,
    )


def refuse_request_token(*, request_token: RequestToken, callback_hint: str | None = None) -> str | None:
    """The person says no: the request token is gone; where to send them back, if anywhere."""
    RequestToken.objects.filter(pk=request_token.pk).delete()
    callback = _callback(request_token, callback_hint)
    if callback is None:
        return None
    return add_params_to_uri(callback, [("oauth_token", request_token.token), ("denied", "true")])


def _callback(request_token: RequestToken, hint: str | None) -> str | None:
    """Where the person goes back to: the callback the consumer signed with its request
    token; when it named none (``oob``), the ``oauth_callback`` of the authorize URL (the
    PHP client puts it there), else the consumer's configured callback; else nowhere
    (the page shows the verifier)."""
    if request_token.callback != "oob":
        return request_token.callback
    if hint and is_callback_url(hint):
        return hint
    return request_token.consumer.callback_url or None

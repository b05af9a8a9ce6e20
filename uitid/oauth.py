"""OAuth 1.0a (RFC 5849), the authentication of the v3 API's clients, verified by oauthlib.

A request is signed with a consumer's key and secret and, for the API, a person's access
token and token secret (HMAC-SHA1 or HMAC-SHA256). oauthlib checks the parameters, the
timestamp (at most 10 minutes from the server's clock) and the signature; the validators
below tell it what this server knows, and are widened for the keys the v3 clients use:
consumer keys such as a balie's (dashes, up to 64 characters), nonces of up to 64
characters (the PHP client sends 32 hex digits), tokens of up to 64.

Where the parameters come from: the ``Authorization: OAuth …`` header, the query string
or a form body. The v3 PHP client repeats the header's ``oauth_*`` values in the query
string of a GET; oauthlib refuses parameters from two places, so when the header holds
them, the header counts and the others are left out of the signed request.

The signed URL is rebuilt as the client saw it: the scheme from ``request.scheme``
(behind a TLS proxy, ``DJANGO_PROXY_SSL_HEADER``) and the Host header.

A nonce is remembered once a request with it proved valid (one INSERT, shared by every
process through the database): the same consumer, token, timestamp and nonce again is a
replay. A request with a bad signature writes nothing.
"""

import datetime
import logging
import random
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    AccessTokenEndpoint,
    RequestTokenEndpoint,
    RequestValidator,
    ResourceEndpoint,
)
from oauthlib.oauth1.rfc5849.signature import collect_parameters

from uitid.formats import KEY_CHARACTERS, KEY_LENGTH, is_callback_url, is_nonce
from uitid.models import AccessToken, Consumer, RequestToken, UsedNonce
from uitid.sealing import SealBroken, seal
from uitid.services import issue_access_token
from uitpas_site.prepared_sql import Columns, column, one, per_vendor, table

logger = logging.getLogger("uitpas.oauth")

REALM = "UiTPAS"
CHALLENGE = f'OAuth realm="{REALM}"'
TIMESTAMP_LIFETIME = 600
# A request token must be approved and exchanged within this many seconds.
REQUEST_TOKEN_LIFETIME = 15 * 60
# How often a valid request also removes the nonces that can no longer be replayed.
NONCE_CLEANING_CHANCE = 1 / 500

# Secrets for the calculations made with an unknown consumer or token, so that a
# refusal takes as long as an acceptance (oauthlib's advice against enumeration).
_DUMMY_SECRET = "dummy-secret-for-unknown-credentials"


class OAuthRefused(Exception):
    """A signed request that is not valid; the message says why, for the client's developer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------
# The request as it was signed


def is_oauth_request(request: HttpRequest) -> bool:
    """Whether the request carries OAuth parameters (and no other Authorization)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return header[:6].lower() == "oauth " or header.strip().lower() == "oauth"
    if "oauth_" in request.META.get("QUERY_STRING", ""):
        return True
    return _is_form(request) and b"oauth_" in request.body


def _is_form(request: HttpRequest) -> bool:
    return request.META.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")


@dataclass(frozen=True)
class SignedRequest:
    """What oauthlib verifies: the URI the client signed, the method, the form body and
    the headers that matter."""

    uri: str
    method: str
    body: str | None
    headers: dict[str, str]


def signed_request(request: HttpRequest) -> SignedRequest:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    query = request.META.get("QUERY_STRING", "")
    body = None
    if _is_form(request):
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise OAuthRefused(_("The form body is not UTF-8.")) from None
    headers = {"Content-Type": request.META.get("CONTENT_TYPE", "")}
    if header:
        headers["Authorization"] = header
        # The header counts; the same values repeated elsewhere are not signed twice.
        query = _without_oauth_parameters(query)
        body = None if body is None else _without_oauth_parameters(body)
    uri = f"{request.scheme}://{request.get_host()}{escape_uri_path(request.path)}"
    if query:
        uri += "?" + query
    if request.method is None:
        raise ValueError("a request without a method")
    return SignedRequest(uri, request.method, body, headers)


def _without_oauth_parameters(encoded: str) -> str:
    return "&".join(
        part for part in encoded.split("&") if not unquote_plus(part.split("=", 1)[0]).startswith("oauth_")
    )


def _refusal_of_parameters(signed: SignedRequest) -> OAuthRefused:
    """Why oauthlib refused a request before looking at its credentials. oauthlib only
    says "not valid" there; the client's developer needs to know which part."""
    try:
        timestamp = int(_oauth_parameter(signed, "oauth_timestamp") or "")
    except ValueError:
        timestamp = None
    if timestamp is not None and abs(time.time() - timestamp) > TIMESTAMP_LIFETIME:
        return OAuthRefused(
            _("oauth_timestamp is more than %(minutes)d minutes away from the server's clock.")
            % {"minutes": TIMESTAMP_LIFETIME // 60}
        )
    return OAuthRefused(
        _(
            "The OAuth parameters are missing, repeated or malformed (oauth_consumer_key, oauth_token, "
            "oauth_nonce of at most %(length)d characters, oauth_timestamp in seconds, "
            "oauth_signature_method HMAC-SHA1 or HMAC-SHA256, oauth_version 1.0, oauth_signature)."
        )
        % {"length": KEY_LENGTH}
    )


def _oauth_parameter(signed: SignedRequest, name: str) -> str | None:
    try:
        found = collect_parameters(
            uri_query=urlsplit(signed.uri).query, body=signed.body or "", headers=signed.headers
        )
    except ValueError:
        return None
    return dict(found).get(name)


# ---------------------------------------------------------------------------------------
# Nonces


@per_vendor
def _nonce_statement() -> str:
    names = ", ".join(column(UsedNonce, name) for name in ("consumer_key", "token", "timestamp", "nonce"))
    # Both SQLite and PostgreSQL: the unique constraint decides, one statement.
    return f"INSERT INTO {table(UsedNonce)} ({names}) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"


def remember_nonce(*, consumer_key: str, token: str, timestamp: str, nonce: str) -> None:
    """Remembers the nonce of a valid request; OAuthRefused when it was seen before."""
    with connection.cursor() as cursor:
        cursor.execute(_nonce_statement(), [consumer_key, token or "", int(timestamp), nonce])
        fresh = cursor.rowcount == 1
    if not fresh:
        raise OAuthRefused(_("This oauth_nonce was used before with the same credentials and timestamp."))
    if random.random() < NONCE_CLEANING_CHANCE:
        forget_expired_nonces()


def forget_expired_nonces(*, now: float | None = None) -> int:
    """Removes the nonces whose timestamp no request can carry any more; how many."""
    oldest_accepted = int(now if now is not None else time.time()) - TIMESTAMP_LIFETIME - 60
    deleted, _details = UsedNonce.objects.filter(timestamp__lt=oldest_accepted).delete()
    return deleted


# ---------------------------------------------------------------------------------------
# What oauthlib asks


class _Validator(RequestValidator):
    """Formats and policies shared by every OAuth endpoint of this server."""

    enforce_ssl = False  # HTTPS is Django's job (SECURE_SSL_REDIRECT); tests speak HTTP.
    allowed_signature_methods = (SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256)
    safe_characters = KEY_CHARACTERS
    client_key_length = (1, KEY_LENGTH)
    request_token_length = (1, KEY_LENGTH)
    access_token_length = (1, KEY_LENGTH)
    nonce_length = (1, KEY_LENGTH)
    verifier_length = (1, KEY_LENGTH)
    timestamp_lifetime = TIMESTAMP_LIFETIME
    dummy_client = "dummy-consumer"
    dummy_request_token = "dummy-request-token"
    dummy_access_token = "dummy-access-token"

    def check_nonce(self, nonce: str) -> bool:
        return is_nonce(nonce)

    def check_realms(self, realms) -> bool:
        return True  # Realms play no part here.

    def validate_realms(self, client_key, token, request, uri=None, realms=None) -> bool:
        return True

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, **tokens) -> bool:
        # oauthlib asks before it checks the signature; the nonce is remembered only
        # once the request proved valid (remember_nonce), so a forged request stores nothing.
        return True


@per_vendor
def _token_statement():
    User = get_user_model()
    token, consumer, user = Columns(AccessToken, "t"), Columns(Consumer, "c"), Columns(User, "u")
    sql = (
        f"SELECT {token.sql}, {consumer.sql}, {user.sql} FROM {table(AccessToken)} t"
        f" JOIN {table(Consumer)} c ON c.{column(Consumer, 'id')} = t.{column(AccessToken, 'consumer')}"
        f" JOIN {table(User)} u ON u.{column(User, 'id')} = t.{column(AccessToken, 'user')}"
        f" WHERE t.{column(AccessToken, 'token')} = %s"
    )
    return sql, token, consumer, user


def pending_request_token(token: str) -> RequestToken | None:
    """The request token, with its consumer and approving user, unless it expired."""
    if not token or "\x00" in token:
        return None
    oldest = timezone.now() - datetime.timedelta(seconds=REQUEST_TOKEN_LIFETIME)
    return (
        RequestToken.objects.select_related("consumer", "user")
        .filter(token=token, created_at__gte=oldest)
        .first()
    )


def access_token_with_consumer_and_user(token: str) -> AccessToken | None:
    """The access token with its consumer and user, in one statement (the first read of
    every request signed with OAuth, so composed once: ``uitpas_site.prepared_sql``)."""
    sql, token_columns, consumer_columns, user_columns = _token_statement()
    row = one(sql, [token])
    if row is None:
        return None
    split = (len(token_columns), len(token_columns) + len(consumer_columns))
    found = token_columns.instance(row[: split[0]])
    found.consumer = consumer_columns.instance(row[split[0] : split[1]])
    found.user = user_columns.instance(row[split[1] :])
    return found


class _ResourceValidator(_Validator):
    """For the API's requests: a consumer and an access token issued for it."""

    def _token(self, request) -> AccessToken | None:
        if not hasattr(request, "uitid_token_loaded"):
            request.uitid_token_loaded = True
            request.uitid_token = access_token_with_consumer_and_user(request.resource_owner_key)
        return request.uitid_token

    def _issued_to(self, client_key: str, request) -> AccessToken | None:
        token = self._token(request)
        return token if token is not None and token.consumer.key == client_key else None

    def validate_client_key(self, client_key, request) -> bool:
        return self._issued_to(client_key, request) is not None

    def validate_access_token(self, client_key, token, request) -> bool:
        found = self._issued_to(client_key, request)
        return found is not None and found.token == token and not found.is_revoked and found.user.is_active

    def get_client_secret(self, client_key, request) -> str:
        found = self._issued_to(client_key, request)
        return _secret_of(found.consumer) if found is not None else _DUMMY_SECRET

    def get_access_token_secret(self, client_key, token, request) -> str:
        found = self._issued_to(client_key, request)
        return _secret_of(found) if found is not None and found.token == token else _DUMMY_SECRET


def _secret_of(holder: Consumer | AccessToken | RequestToken) -> str:
    try:
        return holder.secret
    except SealBroken:
        logger.error(
            "The secret of %s %s cannot be unsealed with the keys in the settings.",
            type(holder).__name__,
            holder.pk,
        )
        return _DUMMY_SECRET


_resource_endpoint = ResourceEndpoint(_ResourceValidator())


def authenticate(request: HttpRequest) -> AccessToken:
    """The access token (with its consumer and user) that validly signed the request.

    Raises :class:`OAuthRefused`: bad or missing parameters, a timestamp more than 10
    minutes off, an unknown consumer or token, a token of another consumer, a revoked
    token, an inactive user, a wrong signature, a nonce used before.
    """
    signed = signed_request(request)
    try:
        valid, oauth_request = _resource_endpoint.validate_protected_resource_request(
            signed.uri, signed.method, signed.body, signed.headers, realms=[]
        )
    except ValueError:  # oauthlib's parsing: a malformed header, query or body
        raise _refusal_of_parameters(signed) from None
    if not valid:
        log = getattr(oauth_request, "validator_log", None) or {}
        if not log:
            raise _refusal_of_parameters(signed)
        if not (log.get("client") and log.get("resource_owner")):
            raise OAuthRefused(
                _(
                    "Unknown consumer key or access token, a token of another consumer, a revoked token or an inactive user."
                )
            )
        raise OAuthRefused(_("The signature is not valid."))
    token = oauth_request.uitid_token
    remember_nonce(
        consumer_key=token.consumer.key,
        token=token.token,
        timestamp=oauth_request.timestamp,
        nonce=oauth_request.nonce,
    )
    _note_use(token)
    return token


def _note_use(token: AccessToken) -> None:
    """``last_used_at``, to the minute: a write only when the last is a minute old."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# ---------------------------------------------------------------------------------------
# The three-legged flow: request token, the person's approval, access token


class _FlowValidator(_Validator):
    """For the flow's endpoints: a consumer, and the request token it was given."""

    def _consumer(self, client_key: str, request) -> Consumer | None:
        if not hasattr(request, "uitid_consumer_loaded"):
            request.uitid_consumer_loaded = True
            request.uitid_consumer = Consumer.objects.filter(key=client_key).first()
        consumer = request.uitid_consumer
        return consumer if consumer is not None and consumer.key == client_key else None

    def _request_token(self, token: str, request) -> RequestToken | None:
        if not hasattr(request, "uitid_request_token_loaded"):
            request.uitid_request_token_loaded = True
            request.uitid_request_token = pending_request_token(token)
        found = request.uitid_request_token
        return found if found is not None and found.token == token else None

    # Request token
    def validate_client_key(self, client_key, request) -> bool:
        return self._consumer(client_key, request) is not None

    def get_client_secret(self, client_key, request) -> str:
        consumer = self._consumer(client_key, request)
        return _secret_of(consumer) if consumer is not None else _DUMMY_SECRET

    def get_default_realms(self, client_key, request) -> list:
        return []

    def validate_requested_realms(self, client_key, realms, request) -> bool:
        return True

    def validate_redirect_uri(self, client_key, redirect_uri, request) -> bool:
        return redirect_uri == "oob" or is_callback_url(redirect_uri)

    def save_request_token(self, token, request) -> None:
        remember_nonce(
            consumer_key=request.client_key, token="", timestamp=request.timestamp, nonce=request.nonce
        )
        consumer = self._consumer(request.client_key, request)
        if consumer is None:
            raise ValueError("oauthlib saves a request token only for a client key it validated")
        RequestToken.objects.create(
            token=token["oauth_token"],
            sealed_secret=seal(token["oauth_token_secret"]),
            consumer=consumer,
            callback=request.redirect_uri,
        )

    # Access token
    def get_realms(self, token, request) -> list:
        return []

    def validate_request_token(self, client_key, token, request) -> bool:
        found = self._request_token(token, request)
        return found is not None and found.consumer.key == client_key

    def get_request_token_secret(self, client_key, token, request) -> str:
        found = self._request_token(token, request)
        if found is None or found.consumer.key != client_key:
            return _DUMMY_SECRET
        return _secret_of(found)

    def validate_verifier(self, client_key, token, verifier, request) -> bool:
        found = self._request_token(token, request)
        return (
            found is not None
            and found.user is not None
            and found.user.is_active
            and bool(found.verifier)
            and constant_time_compare(found.verifier, verifier)
        )

    def save_access_token(self, token, request) -> None:
        remember_nonce(
            consumer_key=request.client_key,
            token=request.resource_owner_key,
            timestamp=request.timestamp,
            nonce=request.nonce,
        )
        approved = self._request_token(request.resource_owner_key, request)
        # oauthlib saves an access token only for a request token whose verifier it
        # validated: one that exists and that a person approved.
        if approved is None or approved.user is None:
            raise ValueError("no approved request token to exchange")
        issued = issue_access_token(
            user=approved.user,
            consumer=approved.consumer,
            token=token["oauth_token"],
            secret=token["oauth_token_secret"],
            issued_by=approved.user,
        )
        # oauthlib answers with this dict after saving it: the v3 clients read the
        # person's uid from it.
        token.pop("oauth_authorized_realms", None)
        token["userId"] = str(issued.user_uid)

    def invalidate_request_token(self, client_key, request_token, request) -> None:
        RequestToken.objects.filter(token=request_token).delete()


class _RequestTokenEndpoint(RequestTokenEndpoint):
    """oauthlib's, for clients that name no ``oauth_callback`` (the v3 PHP client
    sends one only when its caller gives one; the v3 documentation calls the consumer's
    configured callback then): the request token is kept as ``oob`` and the callback is
    decided at the approval (``uitid.services``). The callback is not part of the
    signature oauthlib checks, which covers what the client sent."""

    def validate_request_token_request(self, request):
        if not request.redirect_uri:
            request.redirect_uri = "oob"
        return super().validate_request_token_request(request)


def issue_request_token(request: HttpRequest) -> str:
    """``oauth_token``, ``oauth_token_secret`` and ``oauth_callback_confirmed`` (form-encoded)
    for a consumer's signed request."""
    return _flow_step(request, _request_token_endpoint.create_request_token_response)


def exchange_for_access_token(request: HttpRequest) -> str:
    """``oauth_token``, ``oauth_token_secret`` and the person's ``userId`` (form-encoded)
    for an approved request token and its ``oauth_verifier``; the request token is used up."""
    return _flow_step(request, _access_token_endpoint.create_access_token_response)


def _flow_step(request: HttpRequest, create_response) -> str:
    signed = signed_request(request)
    try:
        _headers, body, status = create_response(signed.uri, signed.method, signed.body, signed.headers)
    except ValueError:  # oauthlib's parsing: a malformed header, query or body
        raise _refusal_of_parameters(signed) from None
    if status != 200:
        # oauthlib describes a malformed request; a refused one (401) it does not.
        reason = dict(parse_qsl(body or "")).get("error_description")
        raise OAuthRefused(
            reason
            or _(
                "Unknown consumer key or request token, a request token not approved, a wrong "
                "oauth_verifier or signature."
            )
        )
    return body


_request_token_endpoint = _RequestTokenEndpoint(_FlowValidator())
_access_token_endpoint = AccessTokenEndpoint(_FlowValidator())

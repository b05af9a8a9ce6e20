"""How API clients prove who they are: OAuth 1.0a (the v3 clients' user access tokens,
``uitid.oauth``) or DRF's token (``Authorization: Token <key>``), on every endpoint.

A refusal names the scheme that refused it in ``WWW-Authenticate``; a request with no
credentials at all is told both (``uitpas_site.xml_api``).
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from uitid import oauth
from uitpas_site.prepared_sql import Columns, column, one, per_vendor, table


class CredentialsRefused(exceptions.AuthenticationFailed):
    """401 AUTHENTICATION_FAILED, with the challenge of the scheme that refused."""

    def __init__(self, detail, *, challenge: str) -> None:
        super().__init__(detail)
        self.challenge = challenge


class OAuthAuthentication(authentication.BaseAuthentication):
    """OAuth 1.0a, signed with a consumer and a user access token (``uitid.oauth``);
    ``request.auth`` is the :class:`uitid.models.AccessToken`, with its consumer."""

    def authenticate(self, request):
        if not oauth.is_oauth_request(request._request):
            return None
        try:
            token = oauth.authenticate(request._request)
        except oauth.OAuthRefused as refused:
            raise CredentialsRefused(refused.message, challenge=oauth.CHALLENGE) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        return oauth.CHALLENGE


@per_vendor
def _token_statement():
    User = get_user_model()
    token, user = Columns(Token, "t"), Columns(User, "u")
    sql = (
        f"SELECT {token.sql}, {user.sql} FROM {table(Token)} t"
        f" JOIN {table(User)} u ON u.{column(User, 'id')} = t.{column(Token, 'user')}"
        f" WHERE t.{column(Token, 'key')} = %s"
    )
    return sql, token, user


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with the same errors; the token and its
    user are read by a statement composed once (``uitpas_site.prepared_sql``): it is the
    first query of every request that uses it."""

    def authenticate_credentials(self, key):
        sql, token_columns, user_columns = _token_statement()
        row = one(sql, [key])
        if row is None:
            raise CredentialsRefused(_("Invalid token."), challenge=self.keyword)
        token = token_columns.instance(row[: len(token_columns)])
        token.user = user_columns.instance(row[len(token_columns) :])
        if not token.user.is_active:
            raise CredentialsRefused(_("User inactive or deleted."), challenge=self.keyword)
        return token.user, token

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as failed:
            if isinstance(failed, CredentialsRefused):
                raise
            # DRF's own refusals of a malformed "Token" header.
            raise CredentialsRefused(failed.detail, challenge=self.keyword) from None

"""DRF's token authentication, with the token and its user read by a statement composed
once: it is the first query of every API request (``uitpas_site.prepared_sql``)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from uitpas_site.prepared_sql import Columns, column, one, per_vendor, table


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
    """``Authorization: Token <key>``, as DRF's, with the same errors."""

    def authenticate_credentials(self, key):
        sql, token_columns, user_columns = _token_statement()
        row = one(sql, [key])
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = token_columns.instance(row[: len(token_columns)])
        token.user = user_columns.instance(row[len(token_columns) :])
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

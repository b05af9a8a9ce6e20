"""OAuth secrets are sealed in the database: a dump alone does not give them away, and
Django's way of rotating SECRET_KEY (SECRET_KEY_FALLBACKS) keeps them usable."""

import pytest
from django.apps import apps
from django.db import connection

from passholders.demo import OAUTH_CONSUMERS, OAUTH_TOKENS
from tests.oauth_signing import oauthlib_request
from uitid.models import Consumer
from uitid.sealing import SealBroken, seal, unseal


def everything_in_the_database() -> str:
    """A dump of every table, as text."""
    text = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
            text.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(text)


def test_a_dump_of_the_database_holds_no_oauth_secret(demo):
    dump = everything_in_the_database()
    secrets = [secret for _, secret, _ in OAUTH_CONSUMERS.values()] + [
        secret for secret, _, _ in OAUTH_TOKENS.values()
    ]
    assert [secret for secret in secrets if secret in dump] == []
    assert "ann-demo-token" in dump  # the token itself names it, like a user name


def test_a_rotated_secret_key_still_opens_what_the_old_one_sealed(demo, client, settings):
    old = settings.SECRET_KEY
    sealed = seal("before the rotation")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, [old]
    assert unseal(sealed) == "before the rotation"
    signed = oauthlib_request(
        "GET",
        "http://testserver/uitpas/balie/countCards?balieConsumerKey=28808C2F-0DB2-D2CF-F508ECB994D2505F",
    )
    assert signed.send(client).status_code == 200


def test_without_the_key_the_seal_stays_closed(demo, settings):
    sealed = Consumer.objects.get(key="demo-balie-app").sealed_secret
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-key-" + "y" * 40, []
    with pytest.raises(SealBroken):
        unseal(sealed)


def test_a_request_signed_for_a_secret_that_cannot_be_opened_is_refused(demo, client, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-key-" + "z" * 40, []
    signed = oauthlib_request(
        "GET",
        "http://testserver/uitpas/balie/countCards?balieConsumerKey=28808C2F-0DB2-D2CF-F508ECB994D2505F",
    )
    response = signed.send(client)
    assert response.status_code == 401

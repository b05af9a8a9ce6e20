"""The three-legged flow of OAuth 1.0a, as a partner application walks it: request token,
the clerk's approval in the back-office, access token; and the people's side of it:
the command for operators and the superusers' admin pages."""

import re
import urllib.parse

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cardsystems.models import AuditEntry
from tests.conftest import KEYS, SEED_REQUEST, SEED_RESPONSE, error_code
from tests.oauth_signing import DEMO_APP, oauthlib_request, php_client_request
from uitid.models import AccessToken, Consumer, RequestToken, UserIdentity

SERVER = "http://testserver"
CALLBACK = "https://partner.example/uitpas/callback"


def form_of(response) -> dict[str, str]:
    assert response["Content-Type"] == "application/x-www-form-urlencoded"
    return dict(urllib.parse.parse_qsl(response.content.decode()))


def get_request_token(client, callback: str | None = CALLBACK, consumer=DEMO_APP) -> dict[str, str]:
    """As the PHP client's getRequestToken: a consumer-signed POST, the OAuth parameters
    in the header and again in the body."""
    extra = {"oauth_callback": callback} if callback else {}
    signed = php_client_request(
        "POST",
        f"{SERVER}/uitid/rest/requestToken",
        consumer=consumer,
        token=None,
        oauth_extra=extra,
        oauth_in_body=True,
    )
    response = signed.send(client)
    assert response.status_code == 200, response.content
    return form_of(response)


def get_access_token(client, request_token: dict, verifier: str, consumer=DEMO_APP):
    """As the PHP client's getAccessToken: signed with the request token, the verifier in
    the header and the body."""
    return php_client_request(
        "POST",
        f"{SERVER}/uitid/rest/accessToken",
        consumer=consumer,
        token=(request_token["oauth_token"], request_token["oauth_token_secret"]),
        form={"oauth_verifier": verifier},
    ).send(client)


def authorize_url(request_token: dict, **extra) -> str:
    return "/uitid/rest/auth/authorize?" + urllib.parse.urlencode(
        {"oauth_token": request_token["oauth_token"], **extra}
    )


def test_the_whole_flow_gives_a_working_access_token(demo, client, admin_as):
    request_token = get_request_token(client)
    assert request_token["oauth_callback_confirmed"] == "true"

    # Not logged in: the back-office login, and back here afterwards.
    login = client.get(authorize_url(request_token))
    assert login.status_code == 302 and login["Location"].startswith("/admin/login/?next=")

    clerk = admin_as("ann")
    page = clerk.get(authorize_url(request_token))
    assert page.status_code == 200
    assert "Demo balie application" in page.content.decode() and "ann" in page.content.decode()
    approved = clerk.post(authorize_url(request_token), {"approve": "1"})
    assert approved.status_code == 302
    back = urllib.parse.urlsplit(approved["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    returned = dict(urllib.parse.parse_qsl(back.query))
    assert returned["oauth_token"] == request_token["oauth_token"]

    answer = get_access_token(client, request_token, returned["oauth_verifier"])
    assert answer.status_code == 200
    access = form_of(answer)
    assert set(access) == {"oauth_token", "oauth_token_secret", "userId"}
    assert access["userId"] == str(UserIdentity.objects.get(user__username="ann").uid)

    signed = oauthlib_request(
        "POST",
        f"{SERVER}/uitpas/passholder/newCard",
        form=SEED_REQUEST,
        token=(access["oauth_token"], access["oauth_token_secret"]),
    )
    response = signed.send(client)
    assert (response.status_code, response.content) == (200, SEED_RESPONSE)
    issued = AuditEntry.objects.get(action=AuditEntry.Action.OAUTH_TOKEN_ISSUED)
    assert (issued.username, issued.changes["token"][1]) == ("ann", "ann / demo-balie-app")


def test_a_request_token_is_exchanged_once(demo, client, admin_as):
    request_token = get_request_token(client)
    approved = admin_as("ann").post(authorize_url(request_token), {"approve": "1"})
    verifier = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(approved["Location"]).query))[
        "oauth_verifier"
    ]
    assert get_access_token(client, request_token, verifier).status_code == 200
    again = get_access_token(client, request_token, verifier)
    assert (again.status_code, error_code(again)) == (401, "AUTHENTICATION_FAILED")
    assert not RequestToken.objects.exists()


def test_a_wrong_verifier_or_an_unapproved_token_gets_no_access_token(demo, client, admin_as):
    request_token = get_request_token(client)
    unapproved = get_access_token(client, request_token, "guessed-verifier")
    assert (unapproved.status_code, error_code(unapproved)) == (401, "AUTHENTICATION_FAILED")
    admin_as("ann").post(authorize_url(request_token), {"approve": "1"})
    wrong = get_access_token(client, request_token, "guessed-verifier")
    assert (wrong.status_code, error_code(wrong)) == (401, "AUTHENTICATION_FAILED")
    assert (
        not AccessToken.objects.filter(user__username="ann", consumer__key="demo-balie-app")
        .exclude(token="ann-demo-token")
        .exists()
    )


def test_another_consumer_cannot_exchange_the_request_token(demo, client, admin_as):
    request_token = get_request_token(client)
    approved = admin_as("ann").post(authorize_url(request_token), {"approve": "1"})
    verifier = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(approved["Location"]).query))[
        "oauth_verifier"
    ]
    other = ("28808C2F-0DB2-D2CF-F508ECB994D2505F", "bibliotheek-aalst-secret")
    response = get_access_token(client, request_token, verifier, consumer=other)
    assert (response.status_code, error_code(response)) == (401, "AUTHENTICATION_FAILED")


def test_refusing_sends_the_clerk_back_and_leaves_no_token(demo, client, admin_as):
    request_token = get_request_token(client)
    refused = admin_as("ann").post(authorize_url(request_token), {"refuse": "1"})
    assert refused.status_code == 302 and "denied=true" in refused["Location"]
    assert not RequestToken.objects.exists()
    assert admin_as("ann").get(authorize_url(request_token)).status_code == 400


def test_without_a_callback_the_page_shows_the_verifier(demo, client, admin_as):
    request_token = get_request_token(client, callback=None)
    page = admin_as("ann").post(authorize_url(request_token), {"approve": "1"})
    assert page.status_code == 200
    verifier = re.search(r'<code id="oauth-verifier">([^<]+)</code>', page.content.decode()).group(1)
    assert get_access_token(client, request_token, verifier).status_code == 200


def test_the_authorize_url_s_callback_serves_when_the_request_named_none(demo, client, admin_as):
    # The PHP client's getUrlAuthorize puts the callback in the authorize URL.
    request_token = get_request_token(client, callback=None)
    approved = admin_as("ann").post(
        authorize_url(request_token, oauth_callback=CALLBACK, type="regular"), {"approve": "1"}
    )
    assert approved.status_code == 302 and approved["Location"].startswith(CALLBACK + "?")


def test_the_consumer_s_configured_callback_serves_when_none_is_named(demo, client, admin_as):
    Consumer.objects.filter(key="demo-balie-app").update(callback_url=CALLBACK)
    request_token = get_request_token(client, callback=None)
    approved = admin_as("ann").post(authorize_url(request_token), {"approve": "1"})
    assert approved.status_code == 302 and approved["Location"].startswith(CALLBACK + "?")


def test_approving_needs_the_clerk_s_login_and_a_csrf_token(demo, client):
    from django.test import Client

    request_token = get_request_token(client)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(demo.user("ann"))
    assert strict.post(authorize_url(request_token), {"approve": "1"}).status_code == 403
    assert RequestToken.objects.get().user is None


@pytest.mark.parametrize("callback", ["javascript:alert(1)", "ftp://partner.example/", "not a url"])
def test_a_request_token_for_an_unusable_callback_is_refused(demo, client, callback):
    signed = php_client_request(
        "POST", f"{SERVER}/uitid/rest/requestToken", token=None, oauth_extra={"oauth_callback": callback}
    )
    response = signed.send(client)
    assert (response.status_code, error_code(response)) == (401, "AUTHENTICATION_FAILED")


def test_a_request_token_needs_a_valid_consumer_signature(demo, client):
    signed = php_client_request(
        "POST", f"{SERVER}/uitid/rest/requestToken", consumer=("demo-balie-app", "wrong"), token=None
    )
    response = signed.send(client)
    assert (response.status_code, error_code(response)) == (401, "AUTHENTICATION_FAILED")
    assert response["WWW-Authenticate"] == 'OAuth realm="UiTPAS"'
    assert not RequestToken.objects.exists()


def test_request_tokens_expire_after_fifteen_minutes(demo, client, admin_as):
    request_token = get_request_token(client)
    RequestToken.objects.update(
        created_at=RequestToken.objects.get().created_at - __import__("datetime").timedelta(minutes=16)
    )
    assert admin_as("ann").get(authorize_url(request_token)).status_code == 400


def test_the_flow_s_secrets_are_sealed_in_the_database(demo, client):
    request_token = get_request_token(client)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {RequestToken._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert request_token["oauth_token"] in stored
    assert request_token["oauth_token_secret"] not in stored


# --- oauth_credentials, for operators -------------------------------------------------------------


def credentials_of(*args) -> dict[str, str]:
    from io import StringIO

    out = StringIO()
    call_command("oauth_credentials", *args, stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "consumer_key",
        "consumer_secret",
        "token",
        "token_secret",
        "uid",
    ]
    return dict(line.split("=", 1) for line in lines)


def test_oauth_credentials_prints_working_credentials(demo, client):
    first = credentials_of("ann")
    assert first["uid"] == str(UserIdentity.objects.get(user__username="ann").uid)
    signed = oauthlib_request(
        "POST",
        f"{SERVER}/uitpas/passholder/newCard",
        form=SEED_REQUEST,
        consumer=(first["consumer_key"], first["consumer_secret"]),
        token=(first["token"], first["token_secret"]),
    )
    assert signed.send(client).content == SEED_RESPONSE
    # The command line's consumer is made once; every call issues a new token.
    second = credentials_of("greet")
    assert (second["consumer_key"], second["consumer_secret"]) == (
        first["consumer_key"],
        first["consumer_secret"],
    )
    assert second["token"] != first["token"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.OAUTH_TOKEN_ISSUED).count() == 2


def test_oauth_credentials_for_a_balie_s_own_consumer(demo, client):
    first = credentials_of("greet", "--consumer-key", KEYS.bib_gent)
    assert first["consumer_key"] == KEYS.bib_gent
    assert Consumer.objects.get(key=KEYS.bib_gent).balie == demo.bib_gent
    again = credentials_of("greet", "--consumer-key", KEYS.bib_gent)
    assert again["consumer_secret"] == first["consumer_secret"]
    # Signed by Bibliotheek Gent's own consumer, greet's countCards needs no balieConsumerKey.
    signed = oauthlib_request(
        "GET",
        f"{SERVER}/uitpas/balie/countCards",
        consumer=(first["consumer_key"], first["consumer_secret"]),
        token=(first["token"], first["token_secret"]),
    )
    assert signed.send(client).status_code == 200


def test_oauth_credentials_with_an_existing_application_s_key(demo):
    credentials = credentials_of("bert", "--consumer-key", "demo-balie-app")
    assert (credentials["consumer_key"], credentials["consumer_secret"]) == DEMO_APP


@pytest.mark.parametrize("args", [["nobody"], ["ann", "--consumer-key", "no-such-key"]])
def test_oauth_credentials_refuses_unknown_names(demo, args):
    with pytest.raises(CommandError):
        call_command("oauth_credentials", *args)


# --- The superusers' admin ---------------------------------------------------------------------


def test_a_superuser_adds_an_application_and_sees_its_secret_once(demo, admin_as):
    admin = admin_as("admin")
    page = admin.post("/admin/uitid/consumer/add/", {"name": "Partner site", "key": "partner-site"})
    assert page.status_code == 200
    secret = re.search(r'<code id="consumer-secret">([^<]+)</code>', page.content.decode()).group(1)
    consumer = Consumer.objects.get(key="partner-site")
    assert consumer.secret == secret and secret not in consumer.sealed_secret
    assert secret not in admin.get(f"/admin/uitid/consumer/{consumer.pk}/change/").content.decode()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.OAUTH_CONSUMER_CREATED, username="admin"
    ).exists()


def test_a_balie_s_own_application_takes_the_balie_s_key(demo, admin_as):
    admin_as("admin").post(
        "/admin/uitid/consumer/add/", {"name": "Gent", "balie": demo.bib_gent.pk, "key": "ignored"}
    )
    assert Consumer.objects.get(balie=demo.bib_gent).key == KEYS.bib_gent


def test_a_superuser_issues_and_revokes_a_token(demo, admin_as, client):
    admin = admin_as("admin")
    consumer = Consumer.objects.get(key="demo-balie-app")
    page = admin.post(
        "/admin/uitid/accesstoken/add/", {"user": demo.user("bert").pk, "consumer": consumer.pk}
    )
    html = page.content.decode()
    token = re.search(r'<code id="token">([^<]+)</code>', html).group(1)
    secret = re.search(r'<code id="token-secret">([^<]+)</code>', html).group(1)
    signed = oauthlib_request(
        "GET", f"{SERVER}/uitpas/balie/countCards?balieConsumerKey={KEYS.de_werf}", token=(token, secret)
    )
    assert signed.send(client).status_code == 200

    issued = AccessToken.objects.get(token=token)
    admin.post("/admin/uitid/accesstoken/", {"action": "revoke", "_selected_action": [issued.pk]})
    issued.refresh_from_db()
    assert issued.revoked_at is not None
    again = oauthlib_request(
        "GET", f"{SERVER}/uitpas/balie/countCards?balieConsumerKey={KEYS.de_werf}", token=(token, secret)
    )
    assert again.send(client).status_code == 401
    actions = list(AuditEntry.objects.filter(username="admin").values_list("action", flat=True))
    assert (
        AuditEntry.Action.OAUTH_TOKEN_ISSUED in actions and AuditEntry.Action.OAUTH_TOKEN_REVOKED in actions
    )


@pytest.mark.parametrize("username", ["ksb-aalst", "ann"])
@pytest.mark.parametrize(
    "path",
    [
        "/admin/uitid/consumer/",
        "/admin/uitid/consumer/add/",
        "/admin/uitid/accesstoken/",
        "/admin/uitid/accesstoken/add/",
    ],
)
def test_only_superusers_manage_api_access(demo, admin_as, username, path):
    assert admin_as(username).get(path).status_code == 403
    assert admin_as(username).post(path, {"name": "x", "user": 1, "consumer": 1}).status_code == 403


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("put", "/uitid/rest/requestToken", 405, "METHOD_NOT_ALLOWED"),
        ("delete", "/uitid/rest/accessToken", 405, "METHOD_NOT_ALLOWED"),
        ("get", "/uitid/rest/requestToken/", 404, "NOT_FOUND"),
        ("get", "/uitid/rest/nothing", 404, "NOT_FOUND"),
        ("get", "/uitid/rest/uitpas/nothing", 404, "NOT_FOUND"),
        ("get", "/uitid/rest/uitpas/passholder/newCard", 401, "NOT_AUTHENTICATED"),
    ],
)
def test_the_v3_prefix_fails_in_xml_too(demo, client, method, path, status, code):
    response = getattr(client, method)(path)
    assert (response.status_code, error_code(response)) == (status, code)


def test_the_v3_prefix_refuses_big_bodies_before_reading_them(demo, client):
    response = client.post(
        "/uitid/rest/requestToken", "x" * 70_000, content_type="application/x-www-form-urlencoded"
    )
    assert (response.status_code, error_code(response)) == (413, "REQUEST_TOO_LARGE")

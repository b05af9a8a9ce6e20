"""The three-legged flow of OAuth 1.0a end to end, as a partner application walks it with
a clerk in a real browser: the application gets a request token, sends the clerk to the
approval page, the clerk logs in with the back-office login and approves, the browser
comes back to the application's callback with the verifier, and the application
exchanges it for an access token that works on the API. The application's side is plain
HTTP against the live server, signed by oauthlib's client."""

import re
import urllib.parse
import urllib.request

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import SEED_REQUEST, SEED_RESPONSE
from tests.oauth_signing import DEMO_APP, oauthlib_request


def call(signed) -> tuple[int, bytes]:
    request = urllib.request.Request(
        signed.url,
        data=signed.body.encode() if signed.body else None,
        headers=signed.headers,
        method=signed.method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_partner_application_gets_a_clerk_s_access_token(page, live_server):
    # The application's landing page: any page of ours will do as its callback here.
    callback = f"{live_server.url}/healthz"
    status, body = call(
        oauthlib_request(
            "POST", f"{live_server.url}/uitid/rest/requestToken", token=None, callback_uri=callback, form={}
        )
    )
    assert status == 200, body
    request_token = dict(urllib.parse.parse_qsl(body.decode()))

    page.goto(
        "/uitid/rest/auth/authorize?" + urllib.parse.urlencode({"oauth_token": request_token["oauth_token"]})
    )
    # Not logged in: the back-office login first.
    page.fill("#id_username", "ann")
    page.fill("#id_password", "demo")
    page.click("#login-form [type=submit]")
    expect(page.locator("#content-main")).to_contain_text("Demo balie application")
    screenshot(page, "20-oauth-approval")
    page.click("input[name=approve]")

    expect(page).to_have_url(re.compile(r"/healthz\?"))
    returned = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert returned["oauth_token"] == request_token["oauth_token"]

    status, body = call(
        oauthlib_request(
            "POST",
            f"{live_server.url}/uitid/rest/accessToken",
            token=(request_token["oauth_token"], request_token["oauth_token_secret"]),
            verifier=returned["oauth_verifier"],
            form={},
        )
    )
    assert status == 200, body
    access = dict(urllib.parse.parse_qsl(body.decode()))
    status, body = call(
        oauthlib_request(
            "POST",
            f"{live_server.url}/uitid/rest/uitpas/passholder/newCard",
            consumer=DEMO_APP,
            token=(access["oauth_token"], access["oauth_token_secret"]),
            form=SEED_REQUEST,
        )
    )
    assert (status, body) == (200, SEED_RESPONSE)


def test_a_clerk_refuses_and_the_application_gets_nothing(page, live_server):
    status, body = call(
        oauthlib_request(
            "POST", f"{live_server.url}/uitid/rest/requestToken", token=None, callback_uri="oob", form={}
        )
    )
    request_token = dict(urllib.parse.parse_qsl(body.decode()))
    page.goto(
        "/uitid/rest/auth/authorize?" + urllib.parse.urlencode({"oauth_token": request_token["oauth_token"]})
    )
    page.fill("#id_username", "bert")
    page.fill("#id_password", "demo")
    page.click("#login-form [type=submit]")
    page.click("input[name=refuse]")
    expect(page.locator("#content-main")).to_contain_text("geweigerd")
    status, _ = call(
        oauthlib_request(
            "POST",
            f"{live_server.url}/uitid/rest/accessToken",
            token=(request_token["oauth_token"], request_token["oauth_token_secret"]),
            verifier="anything",
            form={},
        )
    )
    assert status == 401

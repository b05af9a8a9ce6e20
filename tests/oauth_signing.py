"""Signing API requests with OAuth 1.0a the way real clients do, for the tests.

Two independent signers: oauthlib's ``Client`` (what Python clients and requests-oauthlib
use), and :func:`php_client_request`, written here from RFC 5849 to behave as the v3 PHP
client (``cultuurnet/culturefeed-php``) behaves: an md5-hex nonce, the ``oauth_*``
parameters in the ``Authorization`` header without a realm, and on a GET also in the
query string; the form body PHP-encoded (``+`` for a space). The server verifies with
oauthlib; a signer that shares no code with it checks that it verifies what the RFC says.
"""

import base64
import hashlib
import hmac
import random
import time
import urllib.parse
from dataclasses import dataclass

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, Client

FORM = "application/x-www-form-urlencoded"

# The demo credentials (docs/demo-data.md).
DEMO_APP = ("demo-balie-app", "demo-balie-app-secret")
BIB_AALST_CONSUMER = ("28808C2F-0DB2-D2CF-F508ECB994D2505F", "bibliotheek-aalst-secret")
ANN_DEMO = ("ann-demo-token", "ann-demo-token-secret")
BERT_DEMO = ("bert-demo-token", "bert-demo-token-secret")
ANN_AALST = ("ann-aalst-token", "ann-aalst-token-secret")


@dataclass(frozen=True)
class Signed:
    """A signed request, ready for any HTTP client: the full URL, headers, body."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None

    @property
    def path_and_query(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def send(self, client, language: str = "en"):
        """Through Django's test client; messages in English, for the tests that read them."""
        headers = {"Accept-Language": language, **self.headers}
        if self.method == "GET":
            return client.get(self.path_and_query, headers=headers)
        return client.generic(
            self.method, self.path_and_query, data=self.body or "", content_type=FORM, headers=headers
        )


def oauthlib_request(
    method: str,
    url: str,
    *,
    consumer: tuple[str, str] = DEMO_APP,
    token: tuple[str, str] | None = ANN_DEMO,
    form: dict | None = None,
    placement: str = SIGNATURE_TYPE_AUTH_HEADER,
    signature_method: str = SIGNATURE_HMAC_SHA1,
    timestamp: int | None = None,
    nonce: str | None = None,
    **client_options,
) -> Signed:
    """A request signed by oauthlib's client, with the OAuth parameters in the header,
    the query string or the body (``placement``)."""
    client = Client(
        consumer[0],
        client_secret=consumer[1],
        resource_owner_key=token[0] if token else None,
        resource_owner_secret=token[1] if token else None,
        signature_method=signature_method,
        signature_type=placement,
        timestamp=None if timestamp is None else str(timestamp),
        nonce=nonce,
        **client_options,
    )
    body = urllib.parse.urlencode(form) if form is not None else None
    headers = {"Content-Type": FORM} if body is not None else {}
    signed_url, signed_headers, signed_body = client.sign(url, method, body=body, headers=headers)
    return Signed(method, signed_url, dict(signed_headers), signed_body)


def _rfc3986(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def php_client_request(
    method: str,
    url: str,
    *,
    consumer: tuple[str, str] = DEMO_APP,
    token: tuple[str, str] | None = ANN_DEMO,
    form: dict | None = None,
    oauth_extra: dict | None = None,
    oauth_in_body: bool = False,
) -> Signed:
    """A request as the v3 PHP client sends it (HMAC-SHA1), signed by hand per RFC 5849.

    GET: the API parameters and every ``oauth_*`` parameter in the query string, and the
    ``oauth_*`` parameters in the header too. POST: the form in the body, the ``oauth_*``
    parameters in the header (a form parameter named ``oauth_…``, such as the access token
    request's ``oauth_verifier``, in both; with ``oauth_in_body`` every one in both, as the
    client's ``getRequestToken`` does).
    """
    parts = urllib.parse.urlsplit(url)
    form = form or {}
    # Like the PHP client, one set of parameters: those named oauth* go in the header too.
    api_params = [(name, value) for name, value in form.items() if not name.startswith("oauth")]
    oauth = {
        "oauth_version": "1.0",
        "oauth_nonce": hashlib.md5(f"{time.time()}{random.random()}".encode()).hexdigest(),
        "oauth_timestamp": str(int(time.time())),
        "oauth_consumer_key": consumer[0],
        **({"oauth_token": token[0]} if token else {}),
        **{name: value for name, value in form.items() if name.startswith("oauth")},
        **(oauth_extra or {}),
        "oauth_signature_method": "HMAC-SHA1",
    }
    pairs = sorted((_rfc3986(k), _rfc3986(v)) for k, v in [*api_params, *oauth.items()])
    normalized_url = f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"
    base = "&".join([method, _rfc3986(normalized_url), _rfc3986("&".join(f"{k}={v}" for k, v in pairs))])
    key = f"{_rfc3986(consumer[1])}&{_rfc3986(token[1] if token else '')}"
    oauth["oauth_signature"] = base64.b64encode(
        hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    ).decode()
    header = "OAuth " + ",".join(f'{_rfc3986(k)}="{_rfc3986(v)}"' for k, v in oauth.items())
    headers = {"Authorization": header}
    if method == "GET":
        everything = sorted((_rfc3986(k), _rfc3986(v)) for k, v in [*api_params, *oauth.items()])
        query = "&".join(f"{k}={v}" for k, v in everything)
        return Signed(method, f"{normalized_url}?{query}", headers, None)
    body_params = list(form.items()) + (list(oauth.items()) if oauth_in_body else [])
    headers["Content-Type"] = FORM
    return Signed(method, normalized_url, headers, urllib.parse.urlencode(body_params))

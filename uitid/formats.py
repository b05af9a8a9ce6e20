"""What OAuth's strings may look like here: keys, tokens and nonces as the v3 clients
send them, and the URLs a person may be sent back to."""

import string
from urllib.parse import urlsplit

# Consumer keys (a balie's, e.g. 28808C2F-0DB2-D2CF-F508ECB994D2505F), tokens, verifiers
# and nonces are opaque strings of at most this many characters, of these characters
# (RFC 3986's unreserved ones); some clients write their nonce in base64.
KEY_LENGTH = 64
KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~")
NONCE_CHARACTERS = KEY_CHARACTERS | frozenset("+/=")


def is_key(value: str) -> bool:
    return 1 <= len(value) <= KEY_LENGTH and set(value) <= KEY_CHARACTERS


def is_nonce(value: str) -> bool:
    return 1 <= len(value) <= KEY_LENGTH and set(value) <= NONCE_CHARACTERS


def is_callback_url(url: str) -> bool:
    """Where a person may be sent back to after approving an application: an http(s) URL."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 2000

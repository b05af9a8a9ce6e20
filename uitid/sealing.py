"""Secrets kept sealed in the database: OAuth consumer and token secrets.

HMAC-SHA1 needs the secret itself on the server (it cannot be hashed like a password),
so it is encrypted with a key derived from Django's ``SECRET_KEY``: a dump of the
database alone does not give the secrets away. Keys in ``SECRET_KEY_FALLBACKS`` still
open what they sealed, so ``SECRET_KEY`` can be rotated the way Django rotates it.
Fernet (AES-128-CBC with HMAC-SHA256) from the ``cryptography`` package does the work.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_str

_SALT = "uitid.sealing.oauth-secrets"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(_SALT, "fernet", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def seal(secret: str) -> str:
    return (
        _fernet((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))
        .encrypt(secret.encode())
        .decode("ascii")
    )


def unseal(sealed: str) -> str:
    """The secret; raises :class:`SealBroken` when no key in the settings opens it."""
    return _unsealed(sealed, (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


# Every signed request needs two secrets: each is opened once per process and kept,
# instead of being decrypted again for every request on the API's hot path.
@functools.lru_cache(maxsize=4096)
def _unsealed(sealed: str, keys: tuple[str, ...]) -> str:
    try:
        return force_str(_fernet(keys).decrypt(sealed.encode("ascii")))
    except (InvalidToken, UnicodeError) as error:
        raise SealBroken("The secret was sealed with a key that is no longer in the settings.") from error


class SealBroken(Exception):
    pass

"""The one parser of UiTPAS numbers, used by every door (API, admin, commands, imports).

A UiTPAS number has 13 digits: a 5-digit prefix of the card system (starting with 0), a
6-digit serial, the kansenpas digit (1 for a kansenpas, 0 otherwise) and the Luhn check
digit of the first 12 digits. Like the earlier UiTPAS back-office we accept exactly
``0`` followed by 12 ASCII digits, 12th digit 0 or 1, right check digit; spaces around
the number are ignored.
"""

import re

from django.utils.translation import gettext_lazy as _

from uitpas_site.errors import ErrorCode, UitpasError

_FORMAT = re.compile(r"0[0-9]{12}", re.ASCII)
_VOUCHER_NUMBER = re.compile(r"[0-9]+", re.ASCII)


def is_voucher_number(raw: str) -> bool:
    """Whether a voucher number is well formed: ASCII digits only (newCard, the price)."""
    return _VOUCHER_NUMBER.fullmatch(raw) is not None


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit for a string of digits."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = ord(char) - 48
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_uitpas_number(number: str) -> bool:
    return (
        _FORMAT.fullmatch(number) is not None
        and number[11] in "01"
        and luhn_check_digit(number[:12]) == number[12]
    )


def parse_uitpas_number(raw: str, *, field: str = "uitpas_number") -> str:
    """The number without surrounding spaces, or PARSE_INVALID_UITPASNUMBER."""
    number = raw.strip()
    if not is_valid_uitpas_number(number):
        raise UitpasError(
            ErrorCode.PARSE_INVALID_UITPASNUMBER,
            _("“%(number)s” is not a valid UiTPAS number.") % {"number": number[:40]},
            field=field,
        )
    return number


def is_kansenpas_number(number: str) -> bool:
    """A card is a kansenpas when the 12th digit of its number is 1."""
    return number[11] == "1"


def make_uitpas_number(*, prefix: str, serial: int, kansenpas: bool) -> str:
    """The full number for a serial: prefix + serial + kansenpas digit + check digit."""
    serial_digits = 11 - len(prefix)
    payload = f"{prefix}{serial:0{serial_digits}d}{'1' if kansenpas else '0'}"
    if len(payload) != 12:
        raise ValueError(f"serial {serial} does not fit in {serial_digits} digits")
    return payload + luhn_check_digit(payload)

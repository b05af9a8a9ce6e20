"""W3C dates as the API takes them: every ``W3CDate`` parameter of the v3 API.

The complete-date forms of the W3C date-time profile (https://www.w3.org/TR/NOTE-datetime):
``YYYY-MM-DD``, or ``YYYY-MM-DDThh:mm[:ss[.s+]]TZD`` with TZD ``Z`` or ``±hh:mm`` (the v3
PHP client sends ``date('c', …)``: ``2027-06-30T00:00:00+02:00``). The calendar date
**as written** is the date meant: neither the time nor the offset moves it to another
day (``2027-06-30T00:30:00+02:00`` is 30 June, although it is 29 June in UTC).

A form body decodes an unencoded ``+`` as a space, so ``…T00:00:00 02:00`` is read as
the ``+02:00`` its sender wrote.
"""

import datetime
import re

_W3C_DATE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.[0-9]+)?)?"
    r"(?P<zone>Z|[+-](?P<zone_hour>[0-9]{2}):(?P<zone_minute>[0-9]{2})))?",
    re.ASCII,
)
_SPACE_FOR_PLUS = re.compile(r"(T[0-9:.]+) ([0-9]{2}:[0-9]{2})\Z", re.ASCII)


def parse_w3c_date(raw: str) -> datetime.date | None:
    """The calendar date written in ``raw``; None when it is not a complete W3C date (a
    month only, another notation, a day or time that does not exist)."""
    found = _W3C_DATE.fullmatch(_SPACE_FOR_PLUS.sub(r"\1+\2", raw))
    if found is None:
        return None
    try:
        day = datetime.date.fromisoformat(found["date"])
    except ValueError:
        return None
    if found["hour"] is not None:
        limits = (
            (found["hour"], 23),
            (found["minute"], 59),
            (found["second"], 59),
            (found["zone_hour"], 23),
            (found["zone_minute"], 59),
        )
        if any(value is not None and int(value) > limit for value, limit in limits):
            return None
    return day

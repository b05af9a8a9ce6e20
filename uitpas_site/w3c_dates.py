"""W3C dates as the API takes them (every ``W3CDate`` parameter of the v3 API) and
writes them (days as W3C date-times in Brussels time).

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
from zoneinfo import ZoneInfo

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


# Days written as the v3 API writes them. v3 clients read a day such as a kansenstatuut
# end date or a date of birth as a moment (the PHP client runs ``strtotime`` on it), and
# the v3 documentation writes that moment with the offset Brussels has on that day:
# ``+01:00`` in winter, ``+02:00`` in summer. The UiTPAS calendar is Brussels', whatever
# the server's own time zone is.
BRUSSELS = ZoneInfo("Europe/Brussels")
_LAST_SECOND = datetime.time(23, 59, 59)


def w3c_datetime_at_midnight(day: datetime.date) -> str:
    """The day's first moment, e.g. ``1990-05-12T00:00:00+02:00`` (a date of birth)."""
    return _w3c(datetime.datetime.combine(day, datetime.time.min, tzinfo=BRUSSELS))


def w3c_datetime_at_end_of_day(day: datetime.date) -> str:
    """The day's last second, e.g. ``2027-12-31T23:59:59+01:00``: an end date includes
    the whole of its day."""
    return _w3c(datetime.datetime.combine(day, _LAST_SECOND, tzinfo=BRUSSELS))


def _w3c(moment: datetime.datetime) -> str:
    # A W3C offset has whole minutes; Brussels' local mean time before 1892 did not (+00:17:30).
    utcoffset = moment.utcoffset()
    if utcoffset is None:
        raise ValueError(f"{moment} is naive: it has no offset to write")
    minutes = utcoffset // datetime.timedelta(minutes=1)
    offset = datetime.timezone(datetime.timedelta(minutes=minutes))
    return moment.replace(tzinfo=offset).isoformat(timespec="seconds")

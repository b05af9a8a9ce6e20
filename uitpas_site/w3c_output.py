"""Days written as the v3 API writes them: W3C date-times in Brussels time.

v3 clients read a day such as a kansenstatuut end date or a date of birth as a moment
(the PHP client runs ``strtotime`` on it), and the v3 documentation writes that moment
with the offset Brussels has on that day: ``+01:00`` in winter, ``+02:00`` in summer.
Only the output lives here; reading W3C dates sent by clients is another matter.
"""

import datetime
from zoneinfo import ZoneInfo

# The UiTPAS calendar is Brussels', whatever the server's own time zone is.
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
    minutes = moment.utcoffset() // datetime.timedelta(minutes=1)
    offset = datetime.timezone(datetime.timedelta(minutes=minutes))
    return moment.replace(tzinfo=offset).isoformat(timespec="seconds")

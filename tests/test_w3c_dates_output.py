"""Days as the v3 API writes them: W3C date-times with the Brussels offset of that day."""

import datetime
import re

import pytest

from uitpas_site.w3c_dates import w3c_datetime_at_end_of_day, w3c_datetime_at_midnight

W3C_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


@pytest.mark.parametrize(
    "day, midnight, end_of_day",
    [
        # Winter time: +01:00.
        (datetime.date(2027, 12, 31), "2027-12-31T00:00:00+01:00", "2027-12-31T23:59:59+01:00"),
        (datetime.date(2026, 1, 20), "2026-01-20T00:00:00+01:00", "2026-01-20T23:59:59+01:00"),
        # Summer time: +02:00.
        (datetime.date(1990, 5, 12), "1990-05-12T00:00:00+02:00", "1990-05-12T23:59:59+02:00"),
        (datetime.date(2027, 6, 30), "2027-06-30T00:00:00+02:00", "2027-06-30T23:59:59+02:00"),
        # The days the clocks change (at 02:00 and 03:00): midnight and the last second
        # each have the offset they have on the clock.
        (datetime.date(2026, 3, 29), "2026-03-29T00:00:00+01:00", "2026-03-29T23:59:59+02:00"),
        (datetime.date(2026, 10, 25), "2026-10-25T00:00:00+02:00", "2026-10-25T23:59:59+01:00"),
    ],
)
def test_a_day_is_written_with_the_brussels_offset_of_that_moment(day, midnight, end_of_day):
    assert w3c_datetime_at_midnight(day) == midnight
    assert w3c_datetime_at_end_of_day(day) == end_of_day


@pytest.mark.parametrize(
    "day", [datetime.date(1850, 1, 1), datetime.date(1, 1, 1), datetime.date(9999, 12, 31)]
)
def test_far_days_still_give_a_w3c_date_time(day):
    """Before 1892 Brussels kept local mean time (+00:17:30), which a W3C offset cannot
    write: the offset is cut to whole minutes, the calendar day stays."""
    for written in (w3c_datetime_at_midnight(day), w3c_datetime_at_end_of_day(day)):
        assert W3C_DATETIME.fullmatch(written), written
        assert written.startswith(day.isoformat())


def test_the_output_reads_back_as_the_same_day_and_time():
    day = datetime.date(2027, 12, 31)
    moment = datetime.datetime.fromisoformat(w3c_datetime_at_end_of_day(day))
    assert (moment.date(), moment.time(), moment.utcoffset()) == (
        day,
        datetime.time(23, 59, 59),
        datetime.timedelta(hours=1),
    )

#!/usr/bin/env python
"""What each balie collected, at 1,000 and at 100,000 sales: is the page flat?

    .venv/bin/python scripts/bench_sales.py                        # SQLite, in a temporary folder
    scripts/with-postgres .venv/bin/python scripts/bench_sales.py --postgres

Runs with production settings on a throwaway database (SQLite in a temporary folder,
never db.sqlite3; or, with ``--postgres``, the DATABASE_URL that scripts/with-postgres
gives), loads the demo data, and writes sales for Bibliotheek Aalst: 200 today, the
others spread evenly over the 364 days before; first 1,000 in all, then 100,000. After
each, ann asks for the page (today, 30 days, a year) and the CSV export of today,
in-process with Django's test client: the time is the server's, from the request to
the rendered page (for the CSV, to its last line); the first request, and the median of
the five after it. Prints a table; the machine is shared, so it also prints the load.
"""

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 100_000)
# A busy day at a balie: the same at both sizes, so that "a day" compares like with like.
TODAYS_SALES = 200
REPEATS = 5


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="use DATABASE_URL (scripts/with-postgres)")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="uitpas-bench-sales-"))
    if not arguments.postgres:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.update(
        DJANGO_SECRET_KEY="bench-only",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_HTTPS="0",  # the test client speaks plain HTTP
        DJANGO_SETTINGS_MODULE="uitpas_site.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    print(f"Sales page benchmark on {connection.vendor}: {machine(connection)}")
    print(f"load average before: {load()}")
    try:
        run()
    finally:
        print(f"load average after: {load()}")
        shutil.rmtree(folder, ignore_errors=True)


def run() -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cardsystems.models import Sale
    from passholders.demo import load_demo_data

    call_command("migrate", "--noinput", verbosity=0)
    load_demo_data()
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="ann"))
    client.get(reverse("admin:index"))  # templates compiled, catalogues loaded
    today = timezone.localdate()
    periods = {
        "a day (today)": (today, today),
        "30 days": (today - datetime.timedelta(days=29), today),
        "a year (every sale)": (today - datetime.timedelta(days=364), today),
    }
    written = 0
    print(f"\n{'sales':>8}  {'page':24} {'first':>8} {'median':>8} {'queries':>8} {'sales in period':>16}")
    for size in SIZES:
        written += write_sales(size - written, today=today, written=written)
        for label, (first_day, last_day) in periods.items():
            query = {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()}
            first, median, queries = timed(client, reverse("admin:cardsystems_sale_collected"), query)
            in_period = Sale.objects.filter(
                created_at__date__range=(first_day, last_day), balie__name="Bibliotheek Aalst"
            ).count()
            print(f"{written:8,}  {label:24} {first:7.3f}s {median:7.3f}s {queries:8} {in_period:16,}")
        query = {"first_day": today.isoformat(), "last_day": today.isoformat()}
        first, median, queries = timed(client, reverse("admin:cardsystems_sale_collected_csv"), query)
        print(f"{written:8,}  {'CSV of a day':24} {first:7.3f}s {median:7.3f}s {queries:8}")


def write_sales(count: int, *, today: datetime.date, written: int) -> int:
    """``count`` more sales at Bibliotheek Aalst (``written`` so far), as record_sale
    writes them (a price row, its copy, the amount), in batches: TODAYS_SALES today, the
    others spread over the 364 days before."""
    from django.contrib.auth import get_user_model

    from cardsystems.models import Balie, Card, FreeBecause, Sale, UitpasPrice
    from passholders.models import Passholder
    from uitpas_site.w3c_dates import BRUSSELS

    balie = Balie.objects.get(name="Bibliotheek Aalst")
    card_system = balie.card_systems.get()
    clerk = get_user_model().objects.get(username="ann")
    cards = list(Card.objects.filter(card_system__name="UiTPAS Regio Aalst"))
    passholders = list(Passholder.objects.all())
    rows = list(
        UitpasPrice.objects.filter(card_system__name="UiTPAS Regio Aalst").select_related("voucher_type")
    )
    randomly = random.Random(13)
    batch = []
    for index in range(count):
        row = randomly.choice(rows)
        # Today's sales come first and stay TODAYS_SALES; the rest fill the 364 days before.
        day = today if written + index < TODAYS_SALES else today - datetime.timedelta(days=1 + index % 364)
        moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=BRUSSELS) + datetime.timedelta(
            seconds=randomly.randrange(9 * 3600)
        )
        free = ""
        if row.price == 0:
            free = (
                FreeBecause.VOUCHER
                if row.voucher_type_id
                else FreeBecause.KANSENSTATUUT
                if row.kansenstatuut
                else ""
            )
        batch.append(
            Sale(
                created_at=moment,
                card_system=card_system,
                balie=balie,
                clerk=clerk,
                clerk_name=clerk.username,
                passholder=randomly.choice(passholders),
                card=randomly.choice(cards),
                reason=row.reason,
                kansenstatuut=row.kansenstatuut,
                price=row,
                price_snapshot=row.snapshot(),
                amount=row.price,
                free_because=free,
            )
        )
        if len(batch) == 5000:
            Sale.objects.bulk_create(batch)
            batch = []
    Sale.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count


def timed(client, url: str, query: dict) -> tuple[float, float, int]:
    """The first request's time, the median of the next ones, the queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(REPEATS + 1):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
            if response.streaming:
                b"".join(response.streaming_content)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times[0], statistics.median(times[1:]), len(queries)


def machine(connection) -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {connection.vendor} {version}"
    )


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()

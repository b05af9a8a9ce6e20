#!/usr/bin/env python
"""The card stock at scale: generate a million numbers, check and import the supplier's
million-line file, and show the admin's card list over a million cards.

    make bench-stock                       # or: .venv/bin/python scripts/bench_stock.py
    .venv/bin/python scripts/bench_stock.py --cards 100000   # a quicker run

Runs on a throwaway SQLite database in a temporary folder (never on db.sqlite3), with
production settings. Each job runs in a process of its own, through the same management
commands an operator uses, so that its time and its peak memory (the child's maximum
resident set size, from wait4) are its own. The admin list is requested in-process with
Django's test client: the time is the server's, from the request to the rendered page.
Prints a table; the machine is shared, so it also prints the load before and after.
"""

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARD_SYSTEM = "UiTPAS Bench"
PREFIX = "09999"
LIMIT_SECONDS = 60
LIMIT_LIST_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=1_000_000, help="how many cards (default a million)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # internal: run one phase in this process
    arguments = parser.parse_args()
    if arguments.phase:
        run_phase(arguments.phase)
        return

    folder = Path(tempfile.mkdtemp(prefix="uitpas-bench-"))
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_HTTPS": "0",  # the test client speaks plain HTTP
        "DJANGO_SETTINGS_MODULE": "uitpas_site.settings",
        "BENCH_CARDS": str(arguments.cards),
        "BENCH_FOLDER": str(folder),
    }
    print(f"Card stock benchmark: {arguments.cards:,} cards, SQLite in {folder}")
    print(machine())
    print(f"load average before: {load()}")
    rows = []
    try:
        child(["migrate", "--noinput", "-v0"], environment, manage=True)
        child(["--phase", "setup"], environment)
        numbers, supplier = folder / "numbers.csv", folder / "supplier.csv"
        rows.append(
            timed(
                f"generate_cards --count {arguments.cards:,} --csv",
                [
                    "generate_cards",
                    "--card-system",
                    CARD_SYSTEM,
                    "--count",
                    str(arguments.cards),
                    "--csv",
                    str(numbers),
                ],
                environment,
                limit=LIMIT_SECONDS,
            )
        )
        write_supplier_file(numbers, supplier)
        rows.append(
            timed(
                f"import_cards (check, {arguments.cards:,} lines)",
                ["import_cards", "--card-system", CARD_SYSTEM, str(supplier)],
                environment,
                limit=LIMIT_SECONDS,
            )
        )
        rows.append(
            timed(
                f"import_cards --apply ({arguments.cards:,} lines)",
                ["import_cards", "--card-system", CARD_SYSTEM, str(supplier), "--apply"],
                environment,
                limit=LIMIT_SECONDS,
            )
        )
        print_table(rows)
        check_database(folder / "bench.sqlite3", arguments.cards)
        print()
        child(["--phase", "admin-list"], environment)
    finally:
        print(f"\nload average after: {load()}")
        if arguments.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def child(args: list[str], environment: dict, *, manage: bool = False) -> None:
    command = [sys.executable, str(ROOT / "manage.py")] if manage else [sys.executable, __file__]
    subprocess.run(command + args, env=environment, cwd=ROOT, check=True)


def timed(label: str, manage_args: list[str], environment: dict, *, limit: float) -> tuple:
    """Run a management command in a child process: its wall time and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *manage_args],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if process.stdout is None:
        raise RuntimeError("the command's output is not piped")
    output = process.stdout.read().decode()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label} failed:\n{output}")
    return label, seconds, usage.ru_maxrss / 1024, "ok" if seconds < limit else f"OVER {limit:.0f} s"


def write_supplier_file(numbers: Path, supplier: Path) -> None:
    """The supplier's answer: each number with a chip UID, 04 + 12 hex digits, spread
    over the whole range as real UIDs are (an odd multiplier mod 2^48 never repeats)."""
    with numbers.open() as source, supplier.open("w", newline="") as out:
        out.write('"chip number";"uitpas number"\r\n')
        for index, line in enumerate(source):
            chip = (index * 0x9E3779B97F4B + 0x5DEECE66D) % (1 << 48)
            out.write(f'"04{chip:012X}";{line.strip()}\r\n')


def print_table(rows: list[tuple]) -> None:
    print(f"\n{'job':46} {'seconds':>8} {'peak RSS MB':>12}  limit {LIMIT_SECONDS} s")
    for label, seconds, megabytes, verdict in rows:
        print(f"{label:46} {seconds:8.1f} {megabytes:12.0f}  {verdict}")


def check_database(path: Path, cards: int) -> None:
    with sqlite3.connect(path) as database:
        stock = database.execute("SELECT COUNT(*) FROM cardsystems_card WHERE status = 'STOCK'").fetchone()[0]
        history = database.execute("SELECT COUNT(*) FROM cardsystems_cardhistory").fetchone()[0]
    print(
        f"afterwards: {stock:,} cards in STOCK, {history:,} history rows (expected {cards:,} and {2 * cards:,})"
    )
    if (stock, history) != (cards, 2 * cards):
        sys.exit("the database does not hold what the jobs should have written")


def machine() -> str:
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
    return (
        f"machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# Phases that run inside Django, in a child process ------------------------------------


def run_phase(phase: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    {"setup": setup, "admin-list": admin_list}[phase]()


def setup() -> None:
    from django.contrib.auth import get_user_model
    from guardian.shortcuts import assign_perm

    from cardsystems.models import Balie, CardSystem
    from cardsystems.permissions import CardSystemPermission

    card_system = CardSystem.objects.create(name=CARD_SYSTEM, number_prefix=PREFIX)
    balie = Balie.objects.create(name="Bench balie")
    balie.card_systems.add(card_system)
    assign_perm(CardSystemPermission.PASSHOLDER_CREATE.full_name, balie.permission_group, card_system)
    users = get_user_model().objects
    users.create_superuser("bench-admin", password=None)
    administrator = users.create_user("bench-ksb", is_staff=True)
    assign_perm(CardSystemPermission.MANAGE_STOCK.full_name, administrator, card_system)


def admin_list() -> None:
    """The card list's first page, for the card system's administrator and for a
    superuser, plain and filtered: the first (cold) request and the median of five."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cardsystems.models import Balie, Card, CardStatus, CardSystem

    card_system = CardSystem.objects.get(name=CARD_SYSTEM)
    balie = Balie.objects.get(name="Bench balie")
    # Something for the balie filter to find: one package at the balie.
    package = list(
        Card.objects.filter(card_system=card_system)
        .order_by("uitpas_number")
        .values_list("pk", flat=True)[:50]
    )
    Card.objects.filter(pk__in=package).update(status=CardStatus.SENT_TO_BALIE, balie=balie)
    chip_number = Card.objects.get(pk=package[-1] + 1000).chip_number
    if chip_number is None:
        raise RuntimeError("the imported cards have chip numbers")
    pages: list[tuple[str, str, dict[str, str | int]]] = [
        ("bench-ksb", "the card list", {}),
        ("bench-admin", "the card list (superuser)", {}),
        ("bench-ksb", "status = central stock", {"status__exact": "STOCK"}),
        ("bench-ksb", "card system + status", {"card_system": card_system.pk, "status__exact": "STOCK"}),
        ("bench-ksb", "kansenpas = no", {"kansenpas": "no"}),
        ("bench-ksb", "balie", {"balie": balie.pk}),
        ("bench-ksb", "search a number's start", {"q": PREFIX + "0123"}),
        ("bench-ksb", "search a chip number", {"q": chip_number}),
    ]
    # A running server has compiled its templates and loaded its catalogues: the admin's
    # index, served first, takes that one-time cost, reported on its own.
    warm_up = Client()
    warm_up.force_login(get_user_model().objects.get(username="bench-ksb"))
    started = time.perf_counter()
    assert warm_up.get("/admin/").status_code == 200
    print(f"{'process warm-up (the admin index, served first)':46} {time.perf_counter() - started:8.3f}")
    print(
        f"{'admin card list, first page':46} {'first s':>8} {'median s':>9} {'queries':>8}  limit {LIMIT_LIST_SECONDS} s"
    )
    for username, label, query in pages:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        times = []
        for _attempt in range(6):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/admin/cardsystems/card/", query)
                times.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{label}: HTTP {response.status_code}")
        median = statistics.median(times[1:])
        verdict = "ok" if max(times) < LIMIT_LIST_SECONDS else f"OVER {LIMIT_LIST_SECONDS} s"
        print(f"{label:46} {times[0]:8.3f} {median:9.3f} {len(queries.captured_queries):8}  {verdict}")


if __name__ == "__main__":
    main()

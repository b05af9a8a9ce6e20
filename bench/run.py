"""`make bench`: newCard through the whole stack against the psycopg floor, on PostgreSQL.

For each stock size: a fresh database, a data set loaded with COPY, gunicorn with
``--workers`` workers, newCard requests from ``--connections`` concurrent connections of
another process, authenticated with a DRF token and then signed with OAuth 1.0a
(HMAC-SHA1, a fresh nonce per request, as the v3 PHP client signs); then the same
database work sent directly through psycopg from ``--floor-processes`` processes. Prints
one table: requests per second, latency percentiles, errors, SQL statements per request,
the ratio to the floor, and the OAuth run's ratio to the token run.

Run inside scripts/with-postgres (it gives DATABASE_URL of a superuser).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parents[1]
WARMUP = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, action="append", help="stock sizes (repeatable)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--floor-processes", type=int, default=2)
    options = parser.parse_args()
    sizes = options.cards or [10_000, 1_000_000]

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uitpas_site.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DJANGO_HTTPS", "0")  # plain HTTP on 127.0.0.1
    os.environ.setdefault("DJANGO_API_RATE_USER", "1000000/s")  # one clerk sends it all
    admin_url = os.environ["DATABASE_URL"]
    rows = []
    for cards in sizes:
        rows += measure(admin_url, cards, options)
    print_table(rows, options)


def measure(admin_url: str, cards: int, options) -> list[dict]:
    from bench import dataset

    name = f"bench_{cards}"
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT, env=env, check=True)

    runs = ("token", "oauth", "floor")
    operations = WARMUP + len(runs) * options.requests
    # Each operation needs a card of its own from the balie's stock; the runs one after
    # the other give the same passholders a new card each (DEFECT replaces the last one).
    passholders = min(100_000, cards - operations)
    if passholders < WARMUP + options.requests:
        sys.exit(f"{cards:,} cards are too few for {options.requests:,} requests per run")
    print(f"loading {cards:,} cards ({passholders:,} passholders)...", file=sys.stderr, flush=True)
    data = dataset.load(_conninfo(url), cards=cards, local_stock=operations, passholders=passholders)

    def forms(first_card: int, count: int, first_passholder: int) -> list[dict]:
        return [
            {
                "uid": data.passholder_uid(first_passholder + i),
                "reason": "DEFECT",
                "uitpasNumber": data.stock_number(first_card + i),
                "balieConsumerKey": dataset.CONSUMER_KEY,
            }
            for i in range(count)
        ]

    warmup = forms(0, WARMUP, 0)
    token_forms, oauth_forms, floor_forms = (
        forms(WARMUP + run * options.requests, options.requests, WARMUP) for run in range(len(runs))
    )
    oauth = _oauth_credentials(url)

    from tests.live.servers import gunicorn

    with psycopg.connect(_conninfo(url), autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        with gunicorn(url, workers=options.workers, threads=1) as base:
            host, port = urllib.parse.urlsplit(base).netloc.split(":")
            load = ["-m", "bench.load", host, port, str(options.connections)]
            _client(load, {"token": data.token, "forms": warmup})
            db.execute("SELECT pg_stat_statements_reset()")
            http = _client(load, {"token": data.token, "forms": token_forms})
            http["sql"] = _statements(db) / len(token_forms)
            if os.environ.get("BENCH_SHOW_SQL"):
                _show_statements(db)
            db.execute("SELECT pg_stat_statements_reset()")
            signed = _client(load, {"oauth": oauth, "forms": oauth_forms})
            signed["sql"] = _statements(db) / len(oauth_forms)
            if os.environ.get("BENCH_SHOW_SQL"):
                _show_statements(db)
        db.execute("SELECT pg_stat_statements_reset()")
        floor = _client(
            ["-m", "bench.floor", _conninfo(url), str(options.floor_processes)],
            {"token": data.token, "consumer_key": dataset.CONSUMER_KEY, "operations": floor_forms},
        )
        floor["sql"] = _statements(db) / len(floor_forms)
        if os.environ.get("BENCH_SHOW_SQL"):
            _show_statements(db)
    http_run = f"gunicorn {options.workers} workers, {options.connections} conn."
    return [
        {"cards": cards, "run": f"HTTP, DRF token: {http_run}", **http},
        {"cards": cards, "run": f"HTTP, OAuth 1.0a: {http_run}", **signed},
        {"cards": cards, "run": f"floor: psycopg, {options.floor_processes} processes", **floor},
    ]


def _oauth_credentials(url: str) -> dict:
    """An access token for the bench clerk, issued by the operators' command."""
    done = subprocess.run(
        [sys.executable, "manage.py", "oauth_credentials", "bench-clerk"],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in done.stdout.splitlines())


def _conninfo(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _client(args: list[str], spec: dict) -> dict:
    done = subprocess.run(
        [sys.executable, *args], input=json.dumps(spec), capture_output=True, text=True, cwd=PROJECT
    )
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _show_statements(db) -> None:
    for calls, query in db.execute(
        "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements"
        " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC LIMIT 30"
    ):
        print(f"{calls:>8} {query}", file=sys.stderr)


def _statements(db) -> int:
    """SQL statements run since the last reset, not counting transaction control and
    this query itself."""
    [[calls]] = db.execute(
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
        " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND query !~* '^(BEGIN|COMMIT|ROLLBACK|SET|SHOW|SELECT pg_stat_statements_reset)'"
        " AND query NOT LIKE '%pg_stat_statements%'"
        # Foreign key checks that PostgreSQL runs itself inside an INSERT or UPDATE.
        " AND query NOT LIKE 'SELECT % FROM ONLY %FOR KEY SHARE OF x'"
    ).fetchall()
    return int(calls)


def print_table(rows: list[dict], options) -> None:
    header = (
        f"{'cards':>10} | {'run':<48} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | "
        f"{'p99 ms':>7} | {'errors':>6} | {'SQL/req':>7} | {'vs floor':>8} | {'vs token':>8}"
    )
    print(header)
    print("-" * len(header))

    def rate(row: dict) -> float:
        return row["requests"] / row["seconds"]

    for token, oauth, floor in zip(rows[::3], rows[1::3], rows[2::3], strict=True):
        for row in (token, oauth, floor):
            q = statistics.quantiles(row["latencies"], n=100)
            versus_token = f"{rate(row) / rate(token):>8.2f}" if row is oauth else f"{'':>8}"
            print(
                f"{row['cards']:>10,} | {row['run']:<48} | {row['requests']:>8} | {rate(row):>7.0f} | "
                f"{q[49] * 1000:>7.1f} | {q[94] * 1000:>7.1f} | {q[98] * 1000:>7.1f} | "
                f"{sum(row['errors'].values()):>6} | {row['sql']:>7.1f} | {rate(row) / rate(floor):>8.2f} | "
                f"{versus_token}"
            )
            if row["errors"]:
                print(f"{'':>10}   errors: {row['errors']}")
    print(f"\n{os.cpu_count()} CPUs; python -m bench.run {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()

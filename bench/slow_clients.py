"""`make bench-slow-clients`: requests per second through gunicorn as `make serve` runs it
(gunicorn.conf.py's workers and threads, production settings), without and then with 50
slow clients holding connections (`tests/live/slow_clients.py`), on PostgreSQL.

The requests: GET /uitpas/card?uitpasNumber=… with a DRF token (a card lookup: the
database read and the whole API stack, nothing that changes). Prints one line per run.

Run inside scripts/with-postgres (it gives DATABASE_URL of a superuser).
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

import psycopg

from bench.load import send_requests
from bench.run import PROJECT, _conninfo

SLOW_CLIENTS = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DJANGO_HTTPS", "0")  # plain HTTP on 127.0.0.1
    os.environ.setdefault("DJANGO_API_RATE_USER", "1000000/s")
    admin_url = os.environ["DATABASE_URL"]
    url = admin_url.rsplit("/", 1)[0] + "/bench_slow_clients"
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS bench_slow_clients")
        admin.execute("CREATE DATABASE bench_slow_clients")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT, env=env, check=True)
    subprocess.run([*manage, "loaddemo"], cwd=PROJECT, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*manage, "drf_create_token", "ann"], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[2]

    from tests.live.servers import gunicorn

    with gunicorn(url, workers=None, threads=None, env={"DJANGO_API_RATE_USER": "1000000/s"}) as base:
        host, port = base.removeprefix("http://").split(":")
        request = (
            "GET /uitpas/card?uitpasNumber=0930000000107 HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nAuthorization: Token {token}\r\nConnection: close\r\n\r\n"
        ).encode()

        def run(label: str) -> None:
            result = asyncio.run(
                send_requests(host, int(port), options.connections, [request] * options.requests)
            )
            q = statistics.quantiles(result["latencies"], n=100)
            print(
                f"{label:<34} {result['requests'] / result['seconds']:>7.0f} req/s   p50 {q[49] * 1000:6.1f} ms"
                f"   p99 {q[98] * 1000:6.1f} ms   errors {sum(result['errors'].values())}",
                flush=True,
            )

        run("warm-up")
        run("without slow clients")
        slow = subprocess.Popen(
            [sys.executable, "-m", "tests.live.slow_clients", host, port, str(SLOW_CLIENTS), "600"],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        if slow.stdout is None:
            raise RuntimeError("the slow clients' output is not piped")
        try:
            slow.stdout.readline()
            time.sleep(2)
            run(f"with {SLOW_CLIENTS} slow clients")
        finally:
            slow.kill()
            slow.wait()
    print(
        f"\n{os.cpu_count()} CPUs; {options.connections} connections; python -m bench.slow_clients {' '.join(sys.argv[1:])}"
    )


if __name__ == "__main__":
    main()

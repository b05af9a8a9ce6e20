"""CPU time of one newCard request, in-process: no network, no load client, no gunicorn.

Loads a small data set (10,000 cards) into a fresh database, then runs newCard requests
through Django's WSGI handler and prints wall and CPU milliseconds per request; with
``--profile`` it prints a pyinstrument profile instead (``pip install pyinstrument``).
With ``--oauth`` the requests are signed with OAuth 1.0a (signed before the clock starts)
instead of carrying a DRF token.

Run inside scripts/with-postgres:  scripts/with-postgres .venv/bin/python -m bench.cpu
"""

import argparse
import io
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable

import psycopg

from bench import dataset
from bench.run import PROJECT, _conninfo

REQUESTS = 800
WARMUP = 100


def _no_write(data: bytes) -> None:
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--oauth", action="store_true", help="sign with OAuth 1.0a instead of a DRF token")
    options = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="uitpas_site.settings",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="0",
        DJANGO_API_RATE_USER="1000000/s",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    admin_url = os.environ["DATABASE_URL"]
    url = admin_url.rsplit("/", 1)[0] + "/bench_cpu"
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS bench_cpu")
        admin.execute("CREATE DATABASE bench_cpu")
    os.environ["DATABASE_URL"] = url
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT, check=True)
    data = dataset.load(_conninfo(url), cards=10_000, local_stock=WARMUP + REQUESTS, passholders=5_000)

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    authorizations = [f"Token {data.token}"] * (WARMUP + REQUESTS)
    bodies = [
        urllib.parse.urlencode(
            {
                "uid": data.passholder_uid(index),
                "reason": "DEFECT",
                "uitpasNumber": data.stock_number(index),
                "balieConsumerKey": dataset.CONSUMER_KEY,
            }
        )
        for index in range(WARMUP + REQUESTS)
    ]
    if options.oauth:
        from bench.load import _authorization
        from bench.run import _oauth_credentials

        spec = {"oauth": _oauth_credentials(url)}
        authorizations = [
            _authorization(spec, "http://127.0.0.1/uitpas/passholder/newCard", body) for body in bodies
        ]

    def new_card(index: int) -> None:
        body = bodies[index].encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/uitpas/passholder/newCard",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_AUTHORIZATION": authorizations[index],
        }
        statuses: list[str] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: object = None
        ) -> Callable[[bytes], object]:
            statuses.append(status)
            return _no_write  # WSGI's write(); Django never calls it

        response = app(environ, start_response)
        b"".join(response)
        response.close()
        assert statuses[0].startswith("200"), statuses

    for index in range(WARMUP):
        new_card(index)
    measured = range(WARMUP, WARMUP + REQUESTS)
    if options.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        with profiler:
            for index in measured:
                new_card(index)
        print(profiler.output_text(color=False))
        return
    wall, cpu = time.perf_counter(), time.process_time()
    for index in measured:
        new_card(index)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"newCard in-process: {wall / REQUESTS * 1000:.2f} ms wall, {cpu / REQUESTS * 1000:.2f} ms CPU per request"
    )


if __name__ == "__main__":
    main()

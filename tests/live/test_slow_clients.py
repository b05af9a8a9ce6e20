"""Slow clients do not stop the server: gunicorn as ``make serve`` runs it (its own
workers and threads) keeps answering ``/healthz`` within a second while 50 connections
from another process send their headers a byte a second for 20 seconds.

About the server, not the database: it runs in the SQLite pass of ``make test`` only.
"""

import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.live.servers import PROJECT, database_url_of_tests, gunicorn

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]

SLOW_CLIENTS = 50
SECONDS = 20


def test_healthz_answers_within_a_second_while_slow_clients_hold_connections():
    with gunicorn(database_url_of_tests(), workers=None, threads=None) as base:
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        slow = subprocess.Popen(
            [sys.executable, "-m", "tests.live.slow_clients", host, port, str(SLOW_CLIENTS), str(SECONDS)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert slow.stdout.readline().strip() == "connected"
            answers = []
            while slow.poll() is None:
                started = time.monotonic()
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    answers.append((response.status, time.monotonic() - started))
                time.sleep(0.25)
        finally:
            slow.kill()
            slow.wait()
    assert len(answers) >= SECONDS * 2
    assert {status for status, _ in answers} == {200}
    slowest = max(seconds for _, seconds in answers)
    assert slowest < 1
    print(f"{len(answers)} health checks while {SLOW_CLIENTS} slow clients held on; slowest {slowest:.3f} s")

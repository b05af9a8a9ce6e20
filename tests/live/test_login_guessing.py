"""Password guessing against gunicorn with several processes: four clients guess in
parallel; the lockout, counted in the database, stops them all after the limit, in every
worker, and the right password is refused too."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from passholders.demo import load_demo_data
from tests.live.servers import database_url_of_tests, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 4
GUESSES = 15


def try_password(base: str, password: str) -> int:
    """A browser's login: the page (CSRF cookie and token), then the form; the status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/admin/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "admin", "password": password, "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(
        f"{base}/admin/login/", data=form, headers={"Referer": f"{base}/admin/login/"}
    )
    try:
        with opener.open(request, timeout=10) as response:
            return 302 if response.url.endswith("/admin/") else response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_parallel_guessing_stops_at_the_limit_in_every_worker():
    load_demo_data()
    statuses: list[int] = []
    with gunicorn(database_url_of_tests(), workers=2, threads=2) as base:

        def guesser(number: int) -> None:
            for guess in range(GUESSES):
                statuses.append(try_password(base, f"guess-{number}-{guess}"))

        threads = [threading.Thread(target=guesser, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        right = try_password(base, "demo")

    wrong_password_pages = statuses.count(200)
    assert statuses.count(429) == CLIENTS * GUESSES - wrong_password_pages
    # A few guesses already under way when the limit is reached still get their answer.
    assert settings.AXES_FAILURE_LIMIT - 1 <= wrong_password_pages <= settings.AXES_FAILURE_LIMIT + CLIENTS
    assert right == 429
    print(
        f"{CLIENTS} clients, {CLIENTS * GUESSES} guesses: {wrong_password_pages} checked, the rest locked out"
    )

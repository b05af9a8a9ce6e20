"""Production settings, limits and health."""

import os
import secrets
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import override_settings

from tests.conftest import SEED_REQUEST, error_code

NEW_CARD = "/uitpas/passholder/newCard"


def test_check_deploy_is_clean_with_the_production_defaults():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="uitpas.example.org",
        DJANGO_SETTINGS_MODULE="uitpas_site.settings",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "DJANGO_SECRET_KEY" in done.stderr


def test_a_body_over_the_limit_is_refused_before_parsing(demo, api_as):
    body = "uid=" + "x" * (settings.API_MAX_BODY_BYTES + 1)
    response = api_as("ann").post(NEW_CARD, body, content_type="application/x-www-form-urlencoded")
    assert (response.status_code, error_code(response)) == (413, "REQUEST_TOO_LARGE")


def test_a_body_at_the_limit_is_parsed(demo, api_as):
    body = urlencode(SEED_REQUEST) + "&padding="
    body += "x" * (settings.API_MAX_BODY_BYTES - len(body))
    response = api_as("ann").post(NEW_CARD, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/min"},
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_a_user_over_the_rate_gets_an_xml_429_with_retry_after(demo, api_as, low_rates):
    client = api_as("bert")
    codes = [client.get("/uitpas/passholder/0930000001410").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/uitpas/passholder/0930000001410")
    assert (response.status_code, error_code(response)) == (429, "THROTTLED")
    assert int(response["Retry-After"]) > 0
    # Another user has a budget of their own.
    assert api_as("ann").get("/uitpas/passholder/0930000001410").status_code == 200


def test_healthz_checks_the_database(db, client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https_but_not_the_health_check(db, client):
    assert client.get("/admin/").status_code == 301
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("host", ["10.0.0.5", "10.0.0.5:8000", "[fd00::5]:8000", "internal.lb"])
def test_healthz_answers_a_load_balancer_probing_by_address(db, client, host):
    response = client.get("/healthz", headers={"Host": host})
    assert (response.status_code, response.content) == (200, b"ok\n")
    # Only the health check: every other page still refuses an unknown host.
    assert client.get("/admin/login/", headers={"Host": host}).status_code == 400


def test_hsts_preload_is_opted_into_not_on_by_default():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SETTINGS_MODULE="uitpas_site.settings")
    code = (
        "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD, settings.SECURE_HSTS_SECONDS)"
    )
    default = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert default.stdout.split() == ["False", "31536000"], default.stderr
    env["DJANGO_HSTS_PRELOAD"] = "1"
    opted = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert opted.stdout.split() == ["True", "31536000"], opted.stderr

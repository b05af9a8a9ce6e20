"""Password guessing on the back-office login is limited (django-axes): after five wrong
passwords for one user name from one address, that pair is locked out, counted in the
database; a superuser lifts it; lockouts and unlocks are in the audit log."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client

from cardsystems.models import AuditEntry

LOGIN = "/admin/login/"


def attempt(username: str, password: str, address: str = "203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    return client, client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def guess(username: str, times: int, address: str = "203.0.113.7") -> list[int]:
    return [attempt(username, f"wrong-{n}", address)[1].status_code for n in range(times)]


def test_the_sixth_guess_is_refused_and_so_is_the_right_password(demo):
    assert guess("admin", 5) == [200, 200, 200, 200, 429]
    assert guess("admin", 195) == [429] * 195
    _, response = attempt("admin", "demo")
    assert response.status_code == 429
    assert "Te veel verkeerde wachtwoorden" in response.content.decode()
    # The right password, tried while locked out, counts as one more guess.
    assert AccessAttempt.objects.get(username="admin").failures_since_start == 201


def test_the_lockout_is_per_user_name_and_address(demo):
    guess("admin", 5)
    assert logged_in(attempt("admin", "demo", address="198.51.100.9")[1])
    assert logged_in(attempt("ann", "demo")[1])


def test_a_good_password_before_the_limit_starts_the_count_again(demo):
    guess("ann", 4)
    assert logged_in(attempt("ann", "demo")[1])
    assert guess("ann", 4) == [200] * 4


def test_the_lockout_ends_after_its_time(demo, settings):
    guess("bert", 5)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME
    )
    assert logged_in(attempt("bert", "demo")[1])


def test_a_superuser_lifts_a_lockout_and_both_are_audited(demo, admin_as):
    guess("greet", 5)
    locked = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_LOCKED_OUT)
    assert (locked.username, locked.object_repr, locked.changes) == (
        "",
        "greet",
        {"login": [None, "greet @ 203.0.113.7"]},
    )

    superuser = admin_as("admin")
    page = superuser.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "greet" in page.content.decode()
    lockout = AccessAttempt.objects.get(username="greet")
    superuser.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [lockout.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    unlocked = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_UNLOCKED)
    assert (unlocked.username, unlocked.changes) == ("admin", {"login": ["greet @ 203.0.113.7", None]})
    assert logged_in(attempt("greet", "demo")[1])


@pytest.mark.parametrize("username", ["ksb-aalst", "ann"])
def test_only_superusers_see_and_lift_lockouts(demo, admin_as, username):
    guess("greet", 5)
    assert admin_as(username).get("/admin/axes/accessattempt/").status_code == 403
    lockout = AccessAttempt.objects.get(username="greet")
    admin_as(username).post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [lockout.pk], "post": "yes"},
    )
    assert AccessAttempt.objects.filter(pk=lockout.pk).exists()


def test_a_guessed_name_that_does_not_exist_is_locked_out_too(demo):
    assert guess("nobody", 6)[-2:] == [429, 429]
    assert AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_LOCKED_OUT).object_repr == "nobody"

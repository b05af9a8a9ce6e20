"""A replayed OAuth request is refused by whichever process it reaches: the nonces are
remembered in the database, shared by every gunicorn worker. Copies of one signed
request are released together at two workers; exactly one is served."""

from collections import Counter

import pytest

from passholders.demo import load_demo_data
from tests.conftest import KEYS, UIDS
from tests.live.servers import database_url_of_tests, gunicorn
from tests.live.world import burst, outcome
from tests.oauth_signing import oauthlib_request

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20
COPIES = 4


def as_burst_request(signed) -> dict:
    return {
        "method": signed.method,
        "path": signed.path_and_query,
        "headers": signed.headers,
        "body": signed.body,
    }


def test_copies_of_one_signed_request_are_served_once_across_workers():
    load_demo_data()
    with gunicorn(database_url_of_tests(), workers=2, threads=2) as base:
        rounds = []
        for _ in range(ROUNDS):
            signed = oauthlib_request(
                "GET", f"{base}/uitpas/balie/countCards?balieConsumerKey={KEYS.bib_aalst}"
            )
            rounds.append([as_burst_request(signed)] * COPIES)
        # A write too: the copies of one newCard must not become one success and
        # refusals of the operation, but one success and replays.
        new_card = oauthlib_request(
            "POST",
            f"{base}/uitpas/passholder/newCard",
            form={
                "uid": UIDS.pieter,
                "reason": "DEFECT",
                "uitpasNumber": "0930000000206",
                "balieConsumerKey": KEYS.bib_aalst,
            },
        )
        rounds.append([as_burst_request(new_card)] * COPIES)
        answers = burst(base, rounds)

    for round_answers in answers:
        assert Counter(outcome(answer) for answer in round_answers) == {
            "OK": 1,
            "AUTHENTICATION_FAILED": COPIES - 1,
        }
    replay = next(body for status, body in answers[-1] if status == 401)
    assert "nonce" in replay

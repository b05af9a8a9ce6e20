"""The embedded default under concurrency: clerks writing at once on SQLite wait for each
other (WAL, BEGIN IMMEDIATE, a lock timeout) instead of failing with "database is locked".

SQLite only (marker ``sqlite``): gunicorn with several workers and threads on the test
database file, writers released together from another process.
"""

from collections import Counter

import pytest

from cardsystems.models import CardStatus
from tests.live.invariants import assert_invariants
from tests.live.servers import database_url_of_tests, gunicorn
from tests.live.world import World, burst, outcome

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]

ROUNDS = 20
WRITERS = 6


def test_concurrent_writers_all_succeed_on_sqlite():
    world = World()
    rounds = [
        [
            world.new_card(passholder, card)
            for passholder, card in zip(
                world.members(WRITERS), world.cards(WRITERS, CardStatus.LOCAL_STOCK), strict=True
            )
        ]
        for _ in range(ROUNDS)
    ]
    with gunicorn(database_url_of_tests(), workers=3, threads=2) as base:
        answers = burst(base, rounds)
    assert Counter(outcome(answer) for round_answers in answers for answer in round_answers) == {
        "OK": ROUNDS * WRITERS
    }
    assert_invariants()
    print(f"{ROUNDS} rounds of {WRITERS} concurrent writers on SQLite: all succeeded")

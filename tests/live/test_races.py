"""Races between clerks and API clients, for real: PostgreSQL, gunicorn with several
workers and threads, and requests released together from another process.

PostgreSQL only (marker ``postgres``): SQLite serializes every writer, so it cannot show
these races; on PostgreSQL the row locks of the services are what decides the winner.
"""

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm

from cardsystems.models import Card, CardHistory, CardStatus, Voucher, VoucherType
from cardsystems.permissions import CardSystemPermission as Perm
from passholders.models import Membership
from tests.live.invariants import assert_invariants
from tests.live.servers import PROJECT, database_url_of_tests, gunicorn
from tests.live.world import World, burst, outcome

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 50
CONTENDERS = 6  # concurrent requests per round


@pytest.fixture
def world():
    return World()


@pytest.fixture
def server():
    with gunicorn(database_url_of_tests(), workers=3, threads=4) as base:
        yield base


def test_one_card_many_passholders_one_winner(world, server):
    rounds = []
    for _ in range(ROUNDS):
        [card] = world.cards(1, CardStatus.LOCAL_STOCK)
        rounds.append([world.new_card(p, card) for p in world.members(CONTENDERS)])

    answers = burst(server, rounds)

    for round_requests, round_answers in zip(rounds, answers, strict=True):
        outcomes = [outcome(answer) for answer in round_answers]
        assert Counter(outcomes) == {"OK": 1, "INVALID_CARD_STATUS": CONTENDERS - 1}
        winner = round_requests[outcomes.index("OK")]["form"]
        card = Card.objects.get(uitpas_number=winner["uitpasNumber"])
        assert (card.status, str(card.passholder.uid)) == (CardStatus.ACTIVE, winner["uid"])
    assert_invariants()
    print(f"{len(answers)} rounds of {CONTENDERS} requests for one card: one winner each")


def test_one_voucher_many_cards_one_winner(world, server):
    voucher_type = VoucherType.objects.create(card_system=world.card_system, name="Race", prefix="9")
    rounds = []
    for number in range(ROUNDS):
        voucher = Voucher.objects.create(voucher_type=voucher_type, number=f"9{number:06d}")
        passholders = world.members(CONTENDERS)
        cards = world.cards(CONTENDERS, CardStatus.LOCAL_STOCK)
        rounds.append(
            [
                world.new_card(p, c, voucherNumber=voucher.number)
                for p, c in zip(passholders, cards, strict=True)
            ]
        )

    answers = burst(server, rounds)

    for round_requests, round_answers in zip(rounds, answers, strict=True):
        outcomes = [outcome(answer) for answer in round_answers]
        assert Counter(outcomes) == {"OK": 1, "INVALID_VOUCHER_STATUS": CONTENDERS - 1}
        winner = round_requests[outcomes.index("OK")]["form"]
        voucher = Voucher.objects.get(number=winner["voucherNumber"])
        assert voucher.redeemed_card.uitpas_number == winner["uitpasNumber"]
        losers = [r["form"]["uitpasNumber"] for r in round_requests if r["form"] is not winner]
        assert set(Card.objects.filter(uitpas_number__in=losers).values_list("status", flat=True)) == {
            CardStatus.LOCAL_STOCK
        }
    assert_invariants()
    print(f"{len(answers)} rounds of {CONTENDERS} requests with one voucher: one winner each")


def test_new_cards_for_one_passholder_at_once_leave_one_current_card(world, server):
    rounds = []
    for _ in range(ROUNDS):
        [passholder] = world.members(1)
        rounds.append(
            [world.new_card(passholder, card) for card in world.cards(CONTENDERS, CardStatus.LOCAL_STOCK)]
        )

    answers = burst(server, rounds)

    for round_requests, round_answers in zip(rounds, answers, strict=True):
        assert [outcome(answer) for answer in round_answers] == ["OK"] * CONTENDERS
        membership = Membership.objects.select_related("current_card").get(
            passholder__uid=round_requests[0]["form"]["uid"]
        )
        cards = Card.objects.filter(passholder_id=membership.passholder_id)
        assert Counter(cards.values_list("status", flat=True)) == {
            CardStatus.ACTIVE: 1,
            CardStatus.BLOCKED: CONTENDERS,
        }
        assert membership.current_card.status == CardStatus.ACTIVE
        # Each replacement blocked the card current before it: one chain through all.
        assert CardHistory.objects.filter(card__in=cards, to_status=CardStatus.BLOCKED).count() == CONTENDERS
    assert_invariants()
    print(f"{len(answers)} rounds of {CONTENDERS} new cards for one passholder: one current card each")


def test_a_stock_change_racing_a_new_card_on_one_of_its_cards_one_wins(world, server):
    """An administrator sends a package back to central stock while a clerk hands out one
    of its cards: either the card is handed out and the whole return is refused, or the
    package is back in stock and newCard is refused; never a mix."""
    administrator = get_user_model().objects.create_user("ksb", is_staff=True)
    assign_perm(Perm.MANAGE_STOCK.full_name, administrator, world.card_system)
    rounds, packages = [], []
    for _ in range(ROUNDS):
        package = world.cards(5, CardStatus.LOCAL_STOCK)
        [passholder] = world.members(1)
        packages.append(package)
        rounds.append(
            {"form": world.new_card(passholder, package[2])["form"], "card_ids": [c.pk for c in package]}
        )

    done = subprocess.run(
        [sys.executable, "-m", "tests.live.stock_race"],
        input=json.dumps(
            {"base": server, "token": world.token, "user_id": administrator.pk, "rounds": rounds}
        ),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=600,
        env={**os.environ, "DATABASE_URL": database_url_of_tests()},
    )
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout)

    winners = Counter()
    for package, (new_card, stock) in zip(packages, outcomes, strict=True):
        statuses = list(
            Card.objects.filter(pk__in=[c.pk for c in package])
            .order_by("pk")
            .values_list("status", flat=True)
        )
        if new_card == "OK":
            assert stock == "INVALID_CARD_STATUS"
            assert (
                statuses == [CardStatus.LOCAL_STOCK] * 2 + [CardStatus.ACTIVE] + [CardStatus.LOCAL_STOCK] * 2
            )
            winners["newCard"] += 1
        else:
            assert (new_card, stock) == ("INVALID_CARD_STATUS", "OK")
            assert statuses == [CardStatus.STOCK] * 5
            winners["stock"] += 1
    assert_invariants()
    print(f"{len(outcomes)} rounds of a package return racing newCard: won by {dict(winners)}")

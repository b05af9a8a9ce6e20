"""Races between clerks and API clients, for real: PostgreSQL, gunicorn with several
workers and threads, and requests released together from another process.

PostgreSQL only (marker ``postgres``): SQLite serializes every writer, so it cannot show
these races; on PostgreSQL the row locks of the services are what decides the winner.
"""

from collections import Counter

import pytest

from cardsystems.models import Card, CardHistory, CardStatus, Voucher, VoucherType
from passholders.models import Membership
from tests.live.invariants import assert_invariants
from tests.live.servers import database_url_of_tests, gunicorn
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

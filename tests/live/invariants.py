"""Database invariants that must hold after any mix of concurrent operations."""

from collections import Counter, defaultdict

from cardsystems.models import Card, CardHistory, CardStatus, NewCardReason, Sale, Voucher
from passholders.models import Membership


def assert_invariants() -> None:
    """Each card's status agrees with its history (an unbroken chain ending in its
    status); no card is the current card of two memberships; a current card is its
    member's own card of that card system; each voucher is redeemed at most once; each
    registration (a card handed out by newCard) has its one sale, and no sale is
    without one."""
    chains = defaultdict(list)
    for card_id, from_status, to_status in CardHistory.objects.order_by(
        "card_id", "created_at", "id"
    ).values_list("card_id", "from_status", "to_status"):
        chains[card_id].append((from_status, to_status))
    statuses = dict(Card.objects.filter(pk__in=chains).values_list("pk", "status"))
    for card_id, chain in chains.items():
        for (_, previous_to), (next_from, _) in zip(chain, chain[1:], strict=False):
            assert next_from == previous_to, f"card {card_id}: broken history {chain}"
        assert chain[-1][1] == statuses[card_id], (
            f"card {card_id}: status {statuses[card_id]}, history {chain}"
        )

    current = Counter(Membership.objects.exclude(current_card=None).values_list("current_card", flat=True))
    assert [card for card, count in current.items() if count > 1] == []
    for membership in Membership.objects.exclude(current_card=None).select_related("current_card"):
        card = membership.current_card
        assert (card.passholder_id, card.card_system_id) == (
            membership.passholder_id,
            membership.card_system_id,
        )
        assert card.status in (CardStatus.ACTIVE, CardStatus.BLOCKED)

    redeemed_cards = Counter(
        Voucher.objects.exclude(redeemed_card=None).values_list("redeemed_card", flat=True)
    )
    assert [card for card, count in redeemed_cards.items() if count > 1] == []
    assert not Voucher.objects.filter(redeemed_at=None).exclude(redeemed_card=None).exists()

    registered = Counter(
        CardHistory.objects.filter(reason__in=NewCardReason.values, to_status=CardStatus.ACTIVE).values_list(
            "card_id", flat=True
        )
    )
    sold = Counter(Sale.objects.filter(refunded_sale=None).values_list("card_id", flat=True))
    assert sold == registered

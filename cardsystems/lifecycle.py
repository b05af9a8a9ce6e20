"""The card lifecycle: every legal change of a card's status, in one table.

Each service that changes a card's status asks its :class:`Transition` whether the card's
current status allows it, so the stock services and newCard share one set of rules
(``docs/domain.md``, "Cards and their lifecycle")::

    (new)          --GENERATE-->         PROVISIONED
    PROVISIONED    --IMPORT-->           STOCK
    STOCK          --SEND_TO_BALIE-->    SENT_TO_BALIE
    SENT_TO_BALIE  --CONFIRM_ARRIVAL-->  LOCAL_STOCK
    SENT_TO_BALIE, LOCAL_STOCK --RETURN_TO_STOCK--> STOCK
    PROVISIONED, STOCK --DELETE-->       DELETED
    LOCAL_STOCK    --ISSUE-->            ACTIVE      (newCard)
    ACTIVE         --BLOCK-->            BLOCKED
"""

from enum import Enum

from cardsystems.models import CardHistory, CardStatus

Reason = CardHistory.Reason


class Transition(Enum):
    """A legal status change: the statuses it starts from, the one it leads to, and the
    reason its history rows give (None for newCard, whose rows give newCard's reason)."""

    GENERATE = (frozenset[CardStatus](), CardStatus.PROVISIONED, Reason.GENERATED)
    IMPORT = (frozenset({CardStatus.PROVISIONED}), CardStatus.STOCK, Reason.IMPORTED)
    SEND_TO_BALIE = (frozenset({CardStatus.STOCK}), CardStatus.SENT_TO_BALIE, Reason.SENT_TO_BALIE)
    CONFIRM_ARRIVAL = (
        frozenset({CardStatus.SENT_TO_BALIE}),
        CardStatus.LOCAL_STOCK,
        Reason.ARRIVAL_CONFIRMED,
    )
    RETURN_TO_STOCK = (
        frozenset({CardStatus.SENT_TO_BALIE, CardStatus.LOCAL_STOCK}),
        CardStatus.STOCK,
        Reason.RETURNED_TO_STOCK,
    )
    DELETE = (frozenset({CardStatus.PROVISIONED, CardStatus.STOCK}), CardStatus.DELETED, Reason.DELETED)
    ISSUE = (frozenset({CardStatus.LOCAL_STOCK}), CardStatus.ACTIVE, None)
    BLOCK = (frozenset({CardStatus.ACTIVE}), CardStatus.BLOCKED, Reason.BLOCKED)

    def __init__(self, sources: frozenset[CardStatus], target: CardStatus, reason: Reason | None) -> None:
        self.sources = sources
        self.target = target
        self.reason = reason

    @property
    def history_reason(self) -> Reason:
        """The reason of the history rows this transition writes itself (every one but
        ISSUE, whose rows give newCard's reason)."""
        if self.reason is None:
            raise ValueError(f"{self.name} writes its history rows with newCard's reason")
        return self.reason

    def allows(self, status: str) -> bool:
        """Whether a card in ``status`` may take this transition."""
        return status in self.sources

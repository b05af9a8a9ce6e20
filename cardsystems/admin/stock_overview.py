"""The stock overview for administrators: per balie, the cards sent and arrived, regular
and kansenpas, as numbers that open those cards in the card list and as a bar, with the
balies below their minimum marked.

The counts are those of countCards (:func:`cardsystems.selectors.stock_per_balie` and
:func:`~cardsystems.selectors.balie_card_counters` share their query). The bars are SVG
drawn here, on the server: no script, no chart library, and nothing inline that the
site's Content-Security-Policy refuses (their colours are classes of ``uitpas/admin.css``).
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from cardsystems.models import CardStatus
from cardsystems.selectors import BalieStock

# The bar's length in the SVG's units, for the largest stock (or minimum) on the page.
BAR_LENGTH = 240


@dataclass(frozen=True)
class Segment:
    """A part of a balie's bar: one kind of card, where it starts and how long it is."""

    kind: str  # a class of uitpas/admin.css: arrived-regular, arrived-kansenpas, sent-regular, sent-kansenpas
    start: float
    length: float


@dataclass(frozen=True)
class OverviewRow:
    stock: BalieStock
    segments: list[Segment]
    minimum_at: float | None  # where the minimum's mark stands on the bar; None: no minimum
    # The card list showing each count's cards, by kind (arrived_regular, …).
    links: dict[str, str]


def overview_rows(stock: list[BalieStock]) -> list[OverviewRow]:
    """Each balie's stock with its bar, on one scale for the whole page."""
    largest = max(
        [row.arrived + row.sent for row in stock] + [row.balie.minimum_stock for row in stock] + [1]
    )
    scale = BAR_LENGTH / largest
    return [_row(row, scale) for row in stock]


def _row(stock: BalieStock, scale: float) -> OverviewRow:
    parts = [
        ("arrived-regular", stock.arrived_regular),
        ("arrived-kansenpas", stock.arrived_kansenpas),
        ("sent-regular", stock.sent_regular),
        ("sent-kansenpas", stock.sent_kansenpas),
    ]
    segments, start = [], 0.0
    for kind, count in parts:
        if count:
            segments.append(Segment(kind, round(start, 1), round(count * scale, 1)))
            start += count * scale
    minimum = stock.balie.minimum_stock
    return OverviewRow(
        stock,
        segments,
        round(minimum * scale, 1) if minimum else None,
        {kind.replace("-", "_"): _card_list(stock, kind) for kind, _count in parts},
    )


def _card_list(stock: BalieStock, kind: str) -> str:
    arrived_or_sent, regular_or_kansenpas = kind.split("-")
    query = {
        "card_system": stock.card_system.pk,
        "balie": stock.balie.pk,
        "status__exact": CardStatus.LOCAL_STOCK if arrived_or_sent == "arrived" else CardStatus.SENT_TO_BALIE,
        "kansenpas": "yes" if regular_or_kansenpas == "kansenpas" else "no",
    }
    return f"{reverse('admin:cardsystems_card_changelist')}?{urlencode(query)}"

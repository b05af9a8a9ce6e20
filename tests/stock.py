"""Helpers of the stock tests."""

import pytest

from cardsystems.models import Card, CardHistory
from cardsystems.uitpas_numbers import make_uitpas_number
from uitpas_site.errors import UitpasError


def stock_state() -> tuple:
    """Everything a stock operation may change."""
    return (
        list(
            Card.objects.order_by("pk").values_list(
                "pk", "uitpas_number", "chip_number", "status", "balie", "passholder", "card_type"
            )
        ),
        list(CardHistory.objects.order_by("pk").values_list("pk", "card", "to_status")),
    )


def refusal(call) -> UitpasError:
    """The coded error of a refused call, after checking that it changed nothing."""
    before = stock_state()
    with pytest.raises(UitpasError) as refused:
        call()
    assert stock_state() == before
    return refused.value


def ids_of(*numbers: str) -> list[int]:
    return list(Card.objects.filter(uitpas_number__in=numbers).values_list("pk", flat=True))


def aalst_number(serial: int, kansenpas: bool = False) -> str:
    return make_uitpas_number(prefix="09300", serial=serial, kansenpas=kansenpas)


def last_history(number: str) -> CardHistory:
    return CardHistory.objects.filter(card__uitpas_number=number).order_by("created_at", "id").last()

"""Each vocabulary is written once: newCard's reasons are NewCardReason, and the price
lists and the card history take theirs from it."""

from django.utils.text import capfirst
from django.utils.translation import override

from cardsystems.models import (
    FIRST_CARD,
    PRICE_REASON_VALUES,
    PRICE_REASONS,
    REASON_ALIASES,
    CardHistory,
    NewCardReason,
    Sale,
    UitpasPrice,
)
from passholders.forms import NewCardForm


def test_price_reasons_are_the_first_card_and_newcards_reasons():
    assert PRICE_REASON_VALUES == [FIRST_CARD, *NewCardReason.values]
    for model in (UitpasPrice, Sale):
        assert model._meta.get_field("reason").choices == PRICE_REASONS
    assert PRICE_REASONS[1:] == NewCardReason.choices


def test_card_history_reasons_are_newcards_then_the_stocks():
    choices = CardHistory._meta.get_field("reason").choices
    assert choices == [*NewCardReason.choices, *CardHistory.Reason.choices]
    assert not set(NewCardReason.values) & set(CardHistory.Reason.values)


def test_aliases_name_newcard_reasons():
    assert set(REASON_ALIASES.values()) <= set(NewCardReason)


def test_the_radio_buttons_start_with_a_capital():
    with override("nl"):
        radios = [(value, str(label)) for value, label in NewCardForm.base_fields["reason"].widget.choices]
        assert radios == [(value, capfirst(str(label))) for value, label in NewCardReason.choices]
        assert ("LOSS_THEFT", "Verloren of gestolen") in radios

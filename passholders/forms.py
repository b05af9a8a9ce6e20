"""The back-office form of the newCard operation, on the counter and on a passholder's
new-card page.

Its fields are named after the keywords of :func:`passholders.services.register_new_card`
and it validates nothing itself: the values go to the service as the clerk typed them,
which checks them in the order of the error table, so the admin and the API give the
same code for the same mistake. A refusal is shown on the field it names, in words
(:mod:`passholders.clerk_words`).

No reason is ever chosen for the clerk: the radio buttons start unchecked, and a
proposal (a kansenpas for a regular card, or the other way round) is only pointed out.
"""

import datetime
from typing import TypedDict

from django import forms
from django.contrib.auth.models import User
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cardsystems.models import Balie, NewCardReason
from cardsystems.selectors import balies_of, is_card_system_administrator
from cardsystems.uitpas_numbers import is_kansenpas_number, is_valid_uitpas_number
from passholders.models import Membership

# What each reason does, in a clerk's words (the reasons table of the domain).
REASON_EXPLANATIONS = {
    NewCardReason.LOSS_THEFT: _(
        "The card was lost or stolen: the new card replaces it and the old one is blocked."
    ),
    NewCardReason.DEFECT: _("The card no longer works: the new card replaces it and the old one is blocked."),
    NewCardReason.LOSS_KANSENSTATUUT: _(
        "The passholder no longer has a kansenstatuut: a regular card replaces the kansenpas, "
        "and the kansenstatuut ends."
    ),
    NewCardReason.OBTAIN_KANSENSTATUUT: _(
        "The passholder obtained a kansenstatuut: a kansenpas replaces the regular card, with "
        "the kansenstatuut until the end date below."
    ),
    NewCardReason.CARD_UPGRADE: _(
        "Another kind of card, e.g. a card instead of a sticker or key ring: the old one is blocked."
    ),
    NewCardReason.EXTRA_CARD: _(
        "A first card in this card system (a membership is created when needed); other cards stay active."
    ),
}

# The reasons that change the kansenstatuut: the clerk confirms them once more, seeing
# the end date.
KANSENSTATUUT_REASONS = frozenset({NewCardReason.OBTAIN_KANSENSTATUUT, NewCardReason.LOSS_KANSENSTATUUT})


def proposed_kansenstatuut_end_date(today: datetime.date) -> datetime.date:
    """The end date the earlier UiTPAS back-office proposed: 30 April of next year."""
    return datetime.date(today.year + 1, 4, 30)


def proposed_reason(uitpas_number: str, memberships: list[Membership]) -> NewCardReason | None:
    """The reason the earlier UiTPAS back-office proposed: "Kansenstatuut obtained" for a
    kansenpas replacing a regular card, "Kansenstatuut lost" the other way round (by the
    current card of the card system the number belongs to, its first five digits).
    Only ever pointed out to the clerk, never chosen for them."""
    number = uitpas_number.strip()
    if not is_valid_uitpas_number(number):
        return None
    for membership in memberships:
        current = membership.current_card
        if current is None or membership.card_system.number_prefix != number[:5]:
            continue
        if is_kansenpas_number(number) and not current.kansenpas:
            return NewCardReason.OBTAIN_KANSENSTATUUT
        if current.kansenpas and not is_kansenpas_number(number):
            return NewCardReason.LOSS_KANSENSTATUUT
    return None


def kansenpas_by_prefix(memberships: list[Membership]) -> dict[str, bool]:
    """The kansenpas flag of the current card of each card system, by the card system's
    number prefix: what the page's script proposes a reason from while a number is typed."""
    return {
        membership.card_system.number_prefix: membership.current_card.kansenpas
        for membership in memberships
        if membership.current_card and membership.card_system.number_prefix
    }


def _raw(label, widget, help_text="") -> forms.Field:
    # A plain Field hands over the posted string as it is (no stripping, no checks of
    # its own): the service is the one place that judges it.
    return forms.Field(label=label, required=False, widget=widget, help_text=help_text)


class NewCardFields(TypedDict):
    """The form's values as ``register_new_card`` takes them (besides user and uid)."""

    reason: str | None
    uitpas_number: str | None
    voucher_number: str | None
    balie_consumer_key: str | None
    kansenstatuut_end_date: str | None


class NewCardForm(forms.Form):
    uitpas_number = _raw(
        _("New UiTPAS number"),
        forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 16}),
        _("Scan the new card, or type its 13 digits."),
    )
    reason = _raw(
        _("Reason"),
        forms.RadioSelect(choices=[(value, capfirst(label)) for value, label in NewCardReason.choices]),
    )
    kansenstatuut_end_date = _raw(
        _("Kansenstatuut end date"),
        forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        _("For “Kansenstatuut obtained”: until when it counts."),
    )
    voucher_number = _raw(
        _("Voucher number"),
        forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 16}),
        _("Optional: a voucher that pays for the new card; it is redeemed."),
    )
    balie = _raw(_("Acting for balie"), forms.Select())

    def __init__(
        self,
        *args,
        user: User,
        today: datetime.date,
        acting_balie: Balie | None = None,
        **kwargs,
    ) -> None:
        """``acting_balie``: the balie chosen at the counter; the form then has no
        balie field. Without it the clerk chooses (the only balie is chosen for them)."""
        super().__init__(*args, **kwargs)
        self.acting_balie = acting_balie
        if acting_balie is not None:
            del self.fields["balie"]
        else:
            balies = balies_of(user)
            choices: list[tuple[str, str | Promise]] = [(balie.consumer_key, balie.name) for balie in balies]
            if len(balies) == 1:
                self.initial.setdefault("balie", balies[0].consumer_key)
            elif is_card_system_administrator(user):
                choices.insert(0, ("", _("— none: I act as card system administrator —")))
            else:
                choices.insert(0, ("", _("— choose the balie you work for now —")))
            self.fields["balie"].widget.choices = choices
        self.initial.setdefault("kansenstatuut_end_date", proposed_kansenstatuut_end_date(today).isoformat())
        self.fields["uitpas_number"].widget.attrs["autofocus"] = True

    def focus_first_error(self) -> None:
        """Put the focus (where a scanner types) on the first field with a refusal."""
        first = next((name for name in self.fields if name in self.errors), "uitpas_number")
        for name, field in self.fields.items():
            if name == first:
                field.widget.attrs["autofocus"] = True
            else:
                field.widget.attrs.pop("autofocus", None)

    def service_arguments(self) -> "NewCardFields":
        """The keyword arguments of ``register_new_card`` (besides user and uid)."""
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "uitpas_number": data["uitpas_number"],
            "voucher_number": data["voucher_number"],
            "balie_consumer_key": (
                self.acting_balie.consumer_key if self.acting_balie is not None else data["balie"]
            ),
            "kansenstatuut_end_date": data["kansenstatuut_end_date"],
        }

    def carried_values(self) -> dict[str, str]:
        """The values as posted, for the hidden fields of the confirmation: what is
        confirmed is exactly what was previewed."""
        return {name: self.data.get(name, "") for name in self.fields}

    def reasons_with_explanations(self, proposal: NewCardReason | None = None) -> list[tuple]:
        """The reason's radio buttons, each with what that reason does and whether it is
        the proposal."""
        return [
            (radio, REASON_EXPLANATIONS[NewCardReason(radio.data["value"])], radio.data["value"] == proposal)
            for radio in self["reason"]
        ]

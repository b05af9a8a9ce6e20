"""The back-office form of the newCard operation.

Its fields are named after the keywords of :func:`passholders.services.register_new_card`
and it validates nothing itself: the admin passes what the clerk typed to the service,
which checks it in the order of the error table, so the admin and the API give the same
code for the same mistake. A refusal is shown on the field the error names.
"""

import datetime

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from cardsystems.selectors import balies_of, is_card_system_administrator
from passholders.services import NewCardReason

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


def proposed_kansenstatuut_end_date(today: datetime.date) -> datetime.date:
    """The end date the earlier UiTPAS back-office proposed: 30 April of next year."""
    return datetime.date(today.year + 1, 4, 30)


def _raw(label, widget, help_text="") -> forms.Field:
    # A plain Field hands over the posted string as it is (no stripping, no checks of
    # its own): the service is the one place that judges it.
    return forms.Field(label=label, required=False, widget=widget, help_text=help_text)


class NewCardForm(forms.Form):
    reason = _raw(_("Reason"), forms.RadioSelect(choices=NewCardReason.choices))
    uitpas_number = _raw(
        _("New UiTPAS number"),
        forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True, "size": 16}),
        _("The 13 digits on the new card."),
    )
    voucher_number = _raw(
        _("Voucher number"),
        forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 16}),
        _("Optional: a voucher that pays for the new card; it is redeemed."),
    )
    balie = _raw(_("Acting for balie"), forms.Select())
    kansenstatuut_end_date = _raw(
        _("Kansenstatuut end date"),
        forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        _("Required for “Kansenstatuut obtained”; checked, but not used, for the other reasons."),
    )

    def __init__(self, *args, user: AbstractBaseUser, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        balies = balies_of(user)
        choices = [(balie.consumer_key, balie.name) for balie in balies]
        if len(balies) == 1:
            self.initial.setdefault("balie", balies[0].consumer_key)
        elif is_card_system_administrator(user):
            choices.insert(0, ("", _("— none: I act as card system administrator —")))
        else:
            choices.insert(0, ("", _("— choose the balie you work for now —")))
        self.fields["balie"].widget.choices = choices
        self.initial.setdefault("kansenstatuut_end_date", proposed_kansenstatuut_end_date(today).isoformat())

    def service_arguments(self) -> dict[str, str | None]:
        """The keyword arguments of ``register_new_card`` (besides user and uid)."""
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "uitpas_number": data["uitpas_number"],
            "voucher_number": data["voucher_number"],
            "balie_consumer_key": data["balie"],
            "kansenstatuut_end_date": data["kansenstatuut_end_date"],
        }

    def reasons_with_explanations(self) -> list[tuple[forms.BoundField, str]]:
        """The reason's radio buttons, each with what that reason does."""
        return [(radio, REASON_EXPLANATIONS[NewCardReason(radio.data["value"])]) for radio in self["reason"]]

"""What the back-office tells a clerk about a new card and a blocked card, in words.

The services speak the API's language: codes, parameter names, statuses as constants
(``INVALID_CARD_STATUS: Card 0930000000800 is not in a balie's stock (its status is
STOCK)``), which the XML API keeps sending unchanged. A clerk reads the same refusal
here: the rule that refused and its facts (:class:`NewCardRefused`), worded with the
labels of the fields the clerk sees and the statuses' names in words; the API's code
follows in small print, for whoever helps the clerk.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cardsystems.models import AuditEntry, Balie, Card, FreeBecause, NewCardReason
from cardsystems.permissions import CardSystemPermission
from cardsystems.price_selectors import RegistrationPrice
from passholders.models import Membership
from passholders.selectors import PassholderRecords
from passholders.services import (
    NewCardPlan,
    NewCardRefused,
    NewCardResult,
    NewCardRule,
)
from uitpas_site.errors import ErrorCode, UitpasError


def day(date: datetime.date) -> str:
    """A day as the clerk writes it: 31/12/2026."""
    return date_format(date, "d/m/Y")


def with_code(text: str, code: str) -> SafeString:
    """A message with the API's code after it, in small print."""
    return format_html('{} <small class="api-code">{}</small>', text, code)


# What the clerk must do about a missing value, by the form field it belongs to.
_MISSING = {
    "uitpas_number": _("Scan or type the new UiTPAS number."),
    "reason": _("Choose the reason for the new card."),
    "kansenstatuut_end_date": _("Fill in the kansenstatuut end date: “Kansenstatuut obtained” needs one."),
    "balie": _("Choose the balie you work for now."),
    "uid": _("Choose the passholder first."),
}


def refusal_words(error: NewCardRefused) -> str:
    """The refusal in a clerk's words, without the code."""
    facts, rule = error.facts, error.rule
    match rule:
        case NewCardRule.MISSING_FIELD:
            if error.field is None:
                raise ValueError("a missing field without its name")
            return str(_MISSING[error.field])
        case NewCardRule.UNKNOWN_REASON:
            return gettext("Choose one of the reasons in the list.")
        case NewCardRule.INVALID_UITPAS_NUMBER:
            return gettext(
                "“%(number)s” is not a UiTPAS number: it has 13 digits and starts with 0. "
                "Check the number, or scan the card again."
            ) % {"number": facts["number"][:40]}
        case NewCardRule.INVALID_VOUCHER_NUMBER:
            return gettext("A voucher number has digits only; “%(number)s” has other characters.") % {
                "number": facts["number"][:40]
            }
        case NewCardRule.INVALID_DATE:
            return gettext("“%(date)s” is not a date: choose the day in the calendar.") % {
                "date": facts["date"][:40]
            }
        case NewCardRule.DATE_OUT_OF_RANGE:
            return gettext("The end date must lie between today (%(today)s) and %(latest)s.") % {
                "today": day(facts["today"]),
                "latest": day(facts["latest"]),
            }
        case NewCardRule.UNKNOWN_BALIE:
            return gettext("That balie does not exist (any more): choose one of your balies.")
        case NewCardRule.NOT_WORKING_AT_BALIE:
            return gettext("You do not work at that balie: choose one of your balies.")
        case NewCardRule.UNKNOWN_CARD:
            return gettext(
                "No card has the UiTPAS number %(number)s. Check the number, or scan the card again."
            ) % {"number": facts["number"]}
        case NewCardRule.NO_CREATE_RIGHT:
            if facts["balie"] is None:
                return gettext("You may not hand out cards of %(card_system)s.") % facts
            return gettext("%(balie)s may not hand out cards of %(card_system)s.") % facts
        case NewCardRule.UNKNOWN_PASSHOLDER:
            return gettext("This passholder does not exist (any more).")
        case NewCardRule.UNKNOWN_VOUCHER:
            return gettext("%(card_system)s has no voucher with the number %(number)s.") % facts
        case NewCardRule.CARD_NOT_IN_BALIE_STOCK:
            return gettext(
                "Card %(number)s cannot be handed out: its status is “%(status)s”. Only a card "
                "that arrived in a balie's stock can."
            ) % {"number": facts["number"], "status": facts["status"].label}
        case NewCardRule.CARD_AT_ANOTHER_BALIE:
            return (
                gettext("Card %(number)s is not in the stock of %(balie)s: take a card from its stock.")
                % facts
            )
        case NewCardRule.NOT_A_MEMBER:
            return (
                gettext(
                    "%(passholder)s is not a member of %(card_system)s yet: for a first card there, "
                    "choose “Extra card”."
                )
                % facts
            )
        case NewCardRule.ALREADY_HAS_ACTIVE_CARD:
            return (
                gettext(
                    "%(passholder)s already has an active card of %(card_system)s: choose why it is "
                    "replaced (e.g. “Lost or stolen”)."
                )
                % facts
            )
        case NewCardRule.KANSENPAS_NOT_ALLOWED:
            if facts["reason"] == NewCardReason.LOSS_KANSENSTATUUT:
                return (
                    gettext(
                        "Card %(number)s is a kansenpas: with “Kansenstatuut lost” the new card is a regular card."
                    )
                    % facts
                )
            return (
                gettext(
                    "Card %(number)s is a kansenpas, and this passholder has no kansenstatuut that "
                    "counts: take a regular card (or choose “Kansenstatuut obtained”)."
                )
                % facts
            )
        case NewCardRule.KANSENPAS_NEEDED:
            if facts["reason"] == NewCardReason.OBTAIN_KANSENSTATUUT:
                return (
                    gettext(
                        "Card %(number)s is a regular card: with “Kansenstatuut obtained” the new card is a kansenpas."
                    )
                    % facts
                )
            return (
                gettext(
                    "Card %(number)s is a regular card, and this passholder's kansenstatuut still "
                    "counts: take a kansenpas (or choose “Kansenstatuut lost”)."
                )
                % facts
            )
        case NewCardRule.VOUCHER_REDEEMED:
            return gettext("Voucher %(number)s has already been used.") % facts
        case NewCardRule.MEMBERSHIP_BLOCKED:
            return (
                gettext("The membership of %(card_system)s is blocked: no new card can be handed out in it.")
                % facts
            )
        case NewCardRule.NO_KANSENSTATUUT_TO_LOSE:
            return (
                gettext(
                    "This passholder has no kansenstatuut in %(card_system)s to lose: choose another reason."
                )
                % facts
            )
        case NewCardRule.KANSENSTATUUT_STILL_COUNTS:
            return gettext(
                "The kansenstatuut in %(card_system)s still counts (until %(end)s): choose another reason."
            ) % {"card_system": facts["card_system"], "end": day(facts["end_date"])}
    raise ValueError(f"no words for {rule}")


def block_refusal_words(error: UitpasError, *, card: Card, balie: Balie) -> str:
    """A refused block (``block_card``, the API's passholder/block) in a clerk's words:
    the counter knows the card and the balie it asked for."""
    match error.code:
        case ErrorCode.ACCESS_DENIED if (
            error.required_permission == CardSystemPermission.PASSHOLDER_BLOCK.api_name
        ):
            return gettext("%(balie)s may not block cards of %(card_system)s.") % {
                "balie": balie,
                "card_system": card.card_system,
            }
        case ErrorCode.ACCESS_DENIED:
            return gettext("You do not work at that balie: choose one of your balies.")
        case ErrorCode.INVALID_CARD_STATUS:
            card.refresh_from_db(fields=["status"])
            return gettext(
                "Card %(number)s cannot be blocked: its status is “%(status)s”. Only an active card can."
            ) % {"number": card.uitpas_number, "status": card.get_status_display()}
    return gettext("Card %(number)s could not be blocked.") % {"number": card.uitpas_number}


def kansenstatuut_words(membership: Membership, today: datetime.date) -> str:
    """A membership's kansenstatuut at a glance: until when, and whether it still counts
    (the card system's grace period included)."""
    if not membership.kansenstatuut:
        return gettext("none")
    end = membership.kansenstatuut_until
    if today <= end:
        return gettext("until %(end)s (counts)") % {"end": day(end)}
    grace_end = end + datetime.timedelta(days=membership.card_system.kansenstatuut_grace_days)
    if today <= grace_end:
        return gettext("ended %(end)s, still counts in its grace period until %(grace_end)s") % {
            "end": day(end),
            "grace_end": day(grace_end),
        }
    return gettext("ended %(end)s (no longer counts)") % {"end": day(end)}


def plan_words(plan: NewCardPlan) -> list[str]:
    """What the registration will change, sentence by sentence, before anything is saved."""
    kind = gettext("kansenpas") if plan.card.kansenpas else gettext("regular card")
    lines = [
        gettext("Card %(card)s (%(kind)s) becomes the card of %(passholder)s in %(card_system)s.")
        % {"card": plan.card, "kind": kind, "passholder": plan.passholder, "card_system": plan.card_system}
    ]
    replaced = plan.replaced_card
    if plan.membership is None:
        lines.append(
            gettext("It creates a membership of %(card_system)s, without kansenstatuut.")
            % {"card_system": plan.card_system}
        )
    elif replaced is None and plan.reason == NewCardReason.EXTRA_CARD:
        lines.append(gettext("No card is replaced."))
    elif replaced is None:
        lines.append(gettext("There is no current card to replace."))
    elif plan.blocks_replaced_card:
        lines.append(gettext("It replaces %(card)s, which will be blocked.") % {"card": replaced})
    else:
        lines.append(gettext("It replaces %(card)s, which is blocked already.") % {"card": replaced})
    lines.extend(_kansenstatuut_change(plan))
    if plan.voucher is not None:
        lines.append(gettext("Voucher %(number)s will be redeemed.") % {"number": plan.voucher})
    return lines


def _kansenstatuut_change(plan: NewCardPlan) -> list[str]:
    membership = plan.membership
    if plan.reason == NewCardReason.OBTAIN_KANSENSTATUUT:
        return [gettext("Kansenstatuut granted until %(end)s.") % {"end": day(plan.granted_end_date)}]
    if plan.reason == NewCardReason.LOSS_KANSENSTATUUT:
        return [
            gettext("The kansenstatuut ends (it ran until %(end)s).")
            % {"end": day(plan.existing_membership.kansenstatuut_until)}
        ]
    if membership is not None and membership.kansenstatuut:
        return [gettext("Kansenstatuut stays until %(end)s.") % {"end": day(membership.kansenstatuut_until)}]
    return []


def price_words(price: RegistrationPrice, *, charged: bool = False) -> str:
    """What the balie collects for the new card (``charged``: what was charged, after
    the registration), from the card system's price list."""
    amount = number_format(price.amount, 2)
    if not price.is_set:
        return gettext("No price is set for this card: nothing to collect (€ %(amount)s).") % {
            "amount": amount
        }
    if charged:
        text = gettext("Charged: € %(amount)s.")
    else:
        text = gettext("To collect: € %(amount)s.")
    text %= {"amount": amount}
    if price.free_because == FreeBecause.VOUCHER:
        text += " " + gettext("The voucher pays for the card.")
    elif price.free_because == FreeBecause.KANSENSTATUUT:
        text += " " + gettext("Free with the kansenstatuut.")
    return text


def kansenstatuut_confirmation_words(plan: NewCardPlan) -> str | None:
    """What the clerk must confirm explicitly, for a reason that changes the
    kansenstatuut; None for the others."""
    if plan.reason == NewCardReason.OBTAIN_KANSENSTATUUT:
        return gettext("Yes: %(passholder)s obtains a kansenstatuut in %(card_system)s until %(end)s.") % {
            "passholder": plan.passholder,
            "card_system": plan.card_system,
            "end": day(plan.granted_end_date),
        }
    if plan.reason == NewCardReason.LOSS_KANSENSTATUUT:
        return gettext(
            "Yes: the kansenstatuut of %(passholder)s in %(card_system)s (until %(end)s) ends today."
        ) % {
            "passholder": plan.passholder,
            "card_system": plan.card_system,
            "end": day(plan.existing_membership.kansenstatuut_until),
        }
    return None


def result_words(result: NewCardResult) -> str:
    """Every change of a registration, for the clerk's success message."""
    card_system = result.membership.card_system
    sentences = [
        gettext("%(passholder)s now has card %(card)s in %(card_system)s.")
        % {"passholder": result.passholder, "card": result.card.uitpas_number, "card_system": card_system}
    ]
    if result.membership_created:
        sentences.append(
            gettext("A new membership of %(card_system)s was created.") % {"card_system": card_system}
        )
    if result.replaced_card is None:
        sentences.append(gettext("No card was replaced."))
    elif result.replaced_card_blocked:
        sentences.append(gettext("The old card %(card)s is blocked.") % {"card": result.replaced_card})
    else:
        sentences.append(
            gettext("The old card %(card)s was already blocked.") % {"card": result.replaced_card}
        )
    if result.reason == NewCardReason.OBTAIN_KANSENSTATUUT:
        sentences.append(
            gettext("Kansenstatuut granted until %(end)s.")
            % {"end": day(result.membership.kansenstatuut_until)}
        )
    elif result.reason == NewCardReason.LOSS_KANSENSTATUUT:
        if result.previous_kansenstatuut_end_date is None:
            raise ValueError("LOSS_KANSENSTATUUT of a membership without kansenstatuut")
        sentences.append(
            gettext("The kansenstatuut has ended (it ran until %(end)s).")
            % {"end": day(result.previous_kansenstatuut_end_date)}
        )
    if result.voucher is not None:
        sentences.append(gettext("Voucher %(number)s is redeemed.") % {"number": result.voucher})
    sentences.append(price_words(result.price, charged=True))
    return " ".join(sentences)


@dataclass(frozen=True)
class HistoryLine:
    """One recorded change of a passholder's history, in words."""

    when: datetime.datetime
    who: str
    balie: str
    subject: str
    changes: list[str]
    reason: str


def history_lines(records: PassholderRecords) -> list[HistoryLine]:
    """The card history and the audit entries of a passholder, newest first."""
    lines = [
        HistoryLine(
            when=entry.created_at,
            who=entry.user.get_username() if entry.user else "",
            balie=entry.balie.name if entry.balie else "",
            subject=gettext("card %(card)s") % {"card": entry.card},
            changes=[
                gettext("%(before)s → %(after)s")
                % {"before": entry.get_from_status_display() or "–", "after": entry.get_to_status_display()}
            ],
            reason=entry.get_reason_display(),
        )
        for entry in records.card_history
    ]
    lines += [
        HistoryLine(
            when=entry.created_at,
            who=entry.username,
            balie=entry.balie_name,
            subject=f"{capfirst(entry.object_type_name)} {entry.object_repr}",
            changes=[
                _audit_change_words(entry, name, before, after)
                for name, (before, after) in entry.changes.items()
            ],
            reason=entry.get_action_display(),
        )
        for entry in records.audit_entries
    ]
    return sorted(lines, key=lambda line: line.when, reverse=True)


def _audit_change_words(entry: AuditEntry, name: str, before: str | None, after: str | None) -> str:
    """ "kansenstatuut: yes → no", with the field's name and its values in words."""
    words: Callable[[str], str]
    try:
        field = apps.get_model(entry.object_type)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        label = name
        words = str
    else:
        label = field.verbose_name

        def words(value: str) -> str:
            if isinstance(field, models.BooleanField):
                return gettext("yes") if value == "True" else gettext("no")
            if isinstance(field, models.DateField):
                return day(datetime.date.fromisoformat(value))
            return str(dict(field.flatchoices).get(value, value)) if field.choices else value

    return gettext("%(field)s: %(before)s → %(after)s") % {
        "field": label,
        "before": "–" if before is None else words(before),
        "after": "–" if after is None else words(after),
    }

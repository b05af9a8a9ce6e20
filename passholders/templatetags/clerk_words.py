"""The clerk's words in templates: a day as 31/12/2026, a kansenstatuut at a glance."""

import datetime

from django import template
from django.utils import timezone

from passholders import clerk_words
from passholders.models import Membership

register = template.Library()


@register.filter
def day(date: datetime.date | None) -> str:
    return "" if date is None else clerk_words.day(date)


@register.filter
def kansenstatuut_in_words(membership: Membership) -> str:
    return clerk_words.kansenstatuut_words(membership, timezone.localdate())


@register.filter
def reasons_of(form, proposal):
    """The new-card form's reason radios with their explanations and which one is the
    proposal (``NewCardForm.reasons_with_explanations``)."""
    return form.reasons_with_explanations(proposal)

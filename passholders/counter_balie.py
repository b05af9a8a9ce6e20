"""The balie a clerk acts for at the counter: chosen once and kept in the session.

Only balies the clerk works at that may register cards (they hold PERMISSION_PASSHOLDER
- ACTION_CREATE on some card system) can be chosen; the only one is chosen for the
clerk. The choice is checked again on every request, against the balies of that moment:
a clerk taken off a balie's staff (or a balie that lost its right) no longer acts for
it, and the choice is dropped.
"""

from django.http import HttpRequest

from cardsystems.models import Balie
from passholders.selectors import ClerkBalie, balies_worked_at
from uitpas_site.request_cache import once_per_request

SESSION_KEY = "counter_balie"


def balies_of_request(request: HttpRequest) -> list[ClerkBalie]:
    """The balies the clerk works at (``balies_worked_at``), read once per request: the
    header's link and the counter both ask."""
    return once_per_request(request, "balies_worked_at", lambda: balies_worked_at(request.user))


def counter_balies(request: HttpRequest) -> list[Balie]:
    """The balies the clerk may act for at the counter, by name."""
    return [worked.balie for worked in balies_of_request(request) if worked.may_register_cards]


def chosen_counter_balie(request: HttpRequest, *, or_the_only_one: bool = True) -> Balie | None:
    """The balie the clerk acts for: the session's choice while it still holds, else the
    only one they may act for (then remembered; not with ``or_the_only_one=False``),
    else None (they must choose)."""
    balies = counter_balies(request)
    chosen = request.session.get(SESSION_KEY)
    balie = next((balie for balie in balies if balie.pk == chosen), None)
    if balie is None and len(balies) == 1 and or_the_only_one:
        balie = balies[0]
    if balie is None:
        request.session.pop(SESSION_KEY, None)
    elif chosen != balie.pk:
        request.session[SESSION_KEY] = balie.pk
    return balie


def choose_counter_balie(request: HttpRequest, balie_id: str) -> Balie | None:
    """Remember the balie with that id, when the clerk may act for it; None otherwise."""
    balie = next((balie for balie in counter_balies(request) if str(balie.pk) == balie_id), None)
    if balie is not None:
        request.session[SESSION_KEY] = balie.pk
    return balie

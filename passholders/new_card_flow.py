"""The steps of a new card in the back-office, the same on the counter and on a
passholder's new-card page:

1. the form: the new number (a scanner ends with Enter, which asks for the preview) and
   the reason, which the clerk chooses (none is chosen for them);
2. the preview: the newCard service's plan, what will change, in words, with nothing
   saved; or its refusal, on the fields, in words, every problem of the values at once;
3. the confirmation: the registration of exactly the previewed values (carried in
   hidden fields), through the same service. A kansenstatuut change is only made when
   the clerk ticked the box that names it and its end date.

The amount to collect is in the preview and in the success message; on the form, its
script asks for it (``_price``: the plan's price, nothing saved) whenever the number,
the reason, the voucher or the balie changes, so the clerk sees it before the preview
too. Without the script the preview shows it, as the registration will charge it.

Enter on the form asks for a preview, never for a registration: the confirmation's form
has no field to press Enter in, and its first button is a disabled one, which makes
browsers ignore an Enter there.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext

from cardsystems.models import REASON_ALIASES
from passholders.clerk_words import (
    kansenstatuut_confirmation_words,
    plan_words,
    price_words,
    refusal_words,
    with_code,
)
from passholders.forms import KANSENSTATUUT_REASONS, NewCardFields, NewCardForm
from passholders.models import Passholder
from passholders.services import (
    NewCardPlan,
    NewCardRefused,
    NewCardResult,
    plan_new_card,
    register_new_card,
)
from uitpas_site.users import signed_in_user

PREVIEW, CONFIRM, CHANGE, PRICE = "_preview", "_confirm", "_change", "_price"
KANSENSTATUUT_CONFIRMED = "kansenstatuut_confirmed"


@dataclass
class NewCardStep:
    """Where the clerk is: the form (with refusals), a preview to confirm, or done."""

    form: NewCardForm
    plan: NewCardPlan | None = None
    result: NewCardResult | None = None
    # The refusal of a confirmation without the kansenstatuut box ticked.
    confirmation_refused: str | None = None

    @property
    def refused(self) -> bool:
        return bool(self.form.errors)

    @property
    def previewed_plan(self) -> NewCardPlan:
        """The plan of a preview step (the template asks for its words in no other step)."""
        if self.plan is None:
            raise ValueError("not a preview: there is no plan")
        return self.plan

    @property
    def plan_sentences(self) -> list[str]:
        return plan_words(self.previewed_plan)

    @property
    def kansenstatuut_confirmation(self) -> str | None:
        return kansenstatuut_confirmation_words(self.previewed_plan)

    @property
    def price_sentence(self) -> str:
        return price_words(self.previewed_plan.price)


def price_answer(request: HttpRequest, *, form: NewCardForm, passholder: Passholder) -> JsonResponse:
    """The amount to collect for the values on the form (``{"amount": sentence}``), for
    the form's script: the price of the plan the preview would show; an empty sentence
    while the values are refused (the preview says why)."""
    sentence = ""
    if form.is_valid():
        arguments = _arguments(request, form=form, passholder=passholder)
        try:
            sentence = price_words(plan_new_card(**arguments).price)
        except NewCardRefused:
            pass
    return JsonResponse({"amount": sentence})


def new_card_step(request: HttpRequest, *, form: NewCardForm, passholder: Passholder) -> NewCardStep:
    """The step a request asks for, with ``form`` bound to its POST (unbound for GET)."""
    if not form.is_bound or CHANGE in request.POST or not form.is_valid():
        return NewCardStep(form)
    arguments = _arguments(request, form=form, passholder=passholder)
    if CONFIRM in request.POST:
        if _changes_kansenstatuut(arguments["reason"]) and request.POST.get(KANSENSTATUUT_CONFIRMED) != "yes":
            step = _preview(form, arguments)
            step.confirmation_refused = gettext(
                "Nothing has changed: tick the box to confirm the kansenstatuut change, then confirm."
            )
            return step
        return _register(form, arguments)
    return _preview(form, arguments)


class _NewCardArguments(NewCardFields):
    """The keyword arguments of ``plan_new_card`` and ``register_new_card``."""

    user: User
    uid: str


def _arguments(request: HttpRequest, *, form: NewCardForm, passholder: Passholder) -> _NewCardArguments:
    return {"user": signed_in_user(request), "uid": str(passholder.uid), **form.service_arguments()}


def _changes_kansenstatuut(reason: str | None) -> bool:
    reason = (reason or "").strip()
    return REASON_ALIASES.get(reason, reason) in KANSENSTATUUT_REASONS


def _preview(form: NewCardForm, arguments: _NewCardArguments) -> NewCardStep:
    try:
        return NewCardStep(form, plan=plan_new_card(**arguments))
    except NewCardRefused as refused:
        show_refusal(form, refused)
        return NewCardStep(form)


def _register(form: NewCardForm, arguments: _NewCardArguments) -> NewCardStep:
    try:
        return NewCardStep(form, result=register_new_card(**arguments))
    except NewCardRefused as refused:
        show_refusal(form, refused)
        return NewCardStep(form)


def show_refusal(form: NewCardForm, refused: NewCardRefused) -> None:
    """Every problem the service found, in words, on the field the clerk sees it in
    (the whole form for the others), the API's code in small print."""
    for problem in refused.problems:
        field = problem.field if problem.field in form.fields else None
        form.add_error(field, with_code(refusal_words(problem), problem.code))
    form.focus_first_error()

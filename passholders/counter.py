"""The counter: the page a clerk works at, in the admin (``/admin/counter/``).

1. The clerk acts for one balie, chosen once per session (``counter_balie``).
2. One field takes a scanned or typed UiTPAS number, chip number, uid or name: a card
   or uid goes straight to its holder, a name lists the matches
   (``selectors.look_up_passholders``), among the members of the card systems in which
   the balie holds a right.
3. The holder's page: memberships, cards and kansenstatuut at a glance; **New card**
   (``new_card_flow``: scan, preview, confirm) and **Block card** for the active cards
   of the card systems where the balie holds the block right (``block_card``, the API's
   passholder/block).

The views only translate: the services decide (also whether the balie may do it), and
their refusals are shown in words (``clerk_words``).
"""

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from cardsystems.models import Balie, CardStatus
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import balie_permissions, card_system_ids_with_rights
from cardsystems.services import block_card
from passholders.clerk_words import block_refusal_words, result_words, with_code
from passholders.counter_balie import (
    balies_of_request,
    choose_counter_balie,
    chosen_counter_balie,
    counter_balies,
)
from passholders.forms import NewCardForm, kansenpas_by_prefix, proposed_reason
from passholders.models import Passholder
from passholders.new_card_flow import PRICE, NewCardStep, new_card_step, price_answer
from passholders.selectors import (
    NAME_MATCHES_SORTED,
    LookupKind,
    PassholderAtAGlance,
    look_up_passholders,
    passholder_at_a_glance,
    passholders_with_membership,
)
from uitpas_site.admin_lists import MAX_SEARCH_WORDS
from uitpas_site.errors import UitpasError
from uitpas_site.request_cache import once_per_request
from uitpas_site.users import signed_in_user


class Counter:
    """The counter's pages, on an admin site (each behind its login)."""

    def __init__(self, site: AdminSite) -> None:
        self.site = site

    def urls(self) -> list[URLPattern]:
        view = self.site.admin_view
        return [
            path("counter/", view(self.home), name="counter"),
            path("counter/balie/", view(self.choose_balie), name="counter_balie"),
            path("counter/passholder/<int:passholder_id>/", view(self.passholder), name="counter_passholder"),
            path(
                "counter/passholder/<int:passholder_id>/new-card/",
                view(require_POST(self.new_card)),
                name="counter_new_card",
            ),
            path(
                "counter/passholder/<int:passholder_id>/block/<str:uitpas_number>/",
                view(self.block),
                name="counter_block_card",
            ),
        ]

    # The pages --------------------------------------------------------------------------

    def home(self, request: HttpRequest) -> HttpResponse:
        """The lookup field (and what a name found), for the chosen balie."""
        if not balies_of_request(request):
            raise PermissionDenied  # the counter is for people who work at a balie
        balie = chosen_counter_balie(request)
        if balie is None:
            return self._choose_balie_page(request)
        term = request.GET.get("q", "")
        lookup, refusal = None, None
        if len(term.split()) > MAX_SEARCH_WORDS:
            refusal = gettext("Look up with at most %(limit)d words.") % {"limit": MAX_SEARCH_WORDS}
        elif term.strip():
            lookup = look_up_passholders(term, card_system_ids=self._visible(request, balie))
            if lookup is not None and lookup.kind != LookupKind.NAME and lookup.passholders:
                return redirect("admin:counter_passholder", passholder_id=lookup.passholders[0].pk)
            if lookup is None or not lookup.passholders:
                refusal = _not_found_words(term, lookup)
        return self._render(
            request,
            "admin/counter/index.html",
            {
                "title": gettext("Counter"),
                "balie": balie,
                "term": term,
                "lookup": lookup,
                "refusal": refusal,
                "focus_lookup": True,
            },
        )

    def choose_balie(self, request: HttpRequest) -> HttpResponse:
        """The balie the clerk acts for: shown to choose (GET), remembered (POST)."""
        if not balies_of_request(request):
            raise PermissionDenied
        if request.method == "POST":
            if choose_counter_balie(request, request.POST.get("balie", "")) is not None:
                return redirect("admin:counter")
            return self._choose_balie_page(request, refusal=gettext("Choose one of the balies in the list."))
        return self._choose_balie_page(request)

    def passholder(self, request: HttpRequest, passholder_id: int) -> HttpResponse:
        balie = chosen_counter_balie(request)
        if balie is None:
            return redirect("admin:counter")
        form = NewCardForm(user=signed_in_user(request), today=timezone.localdate(), acting_balie=balie)
        # Just done (a new card, a block: a message says so): the next scan is the next
        # customer's, so the focus waits in the lookup field.
        just_done = bool(messages.get_messages(request))
        if just_done:
            form.fields["uitpas_number"].widget.attrs.pop("autofocus", None)
        return self._passholder_page(request, balie, passholder_id, NewCardStep(form), focus_lookup=just_done)

    def new_card(self, request: HttpRequest, passholder_id: int) -> HttpResponse:
        """The new card's preview and confirmation (POST from the holder's page)."""
        balie = chosen_counter_balie(request)
        if balie is None:
            return redirect("admin:counter")
        passholder = self._passholder(request, balie, passholder_id)
        form = NewCardForm(
            request.POST, user=signed_in_user(request), today=timezone.localdate(), acting_balie=balie
        )
        if PRICE in request.POST:
            return price_answer(request, form=form, passholder=passholder)
        step = new_card_step(request, form=form, passholder=passholder)
        if step.result is not None:
            messages.success(request, result_words(step.result))
            return redirect("admin:counter_passholder", passholder_id=passholder.pk)
        return self._passholder_page(request, balie, passholder_id, step, passholder=passholder)

    def block(self, request: HttpRequest, passholder_id: int, uitpas_number: str) -> HttpResponse:
        """Block one of the holder's cards: asked (GET), done (POST)."""
        balie = chosen_counter_balie(request)
        if balie is None:
            return redirect("admin:counter")
        passholder = self._passholder(request, balie, passholder_id)
        card = next(
            (
                card
                for card in self._glance(request, balie, passholder).cards
                if card.uitpas_number == uitpas_number
            ),
            None,
        )
        if card is None:
            raise Http404(gettext("No such card."))
        back = reverse("admin:counter_passholder", kwargs={"passholder_id": passholder.pk})
        refusal = None
        if request.method == "POST":
            try:
                block_card(
                    user=signed_in_user(request),
                    uitpas_number=card.uitpas_number,
                    balie_consumer_key=balie.consumer_key,
                )
            except UitpasError as error:
                refusal = with_code(block_refusal_words(error, card=card, balie=balie), error.code)
            else:
                messages.success(
                    request,
                    gettext("Card %(card)s of %(passholder)s is blocked: it can no longer be used.")
                    % {"card": card, "passholder": passholder},
                )
                return HttpResponseRedirect(back)
        return self._render(
            request,
            "admin/counter/block_card.html",
            {
                "title": gettext("Block card %(card)s") % {"card": card},
                "balie": balie,
                "passholder": passholder,
                "card": card,
                "refusal": refusal,
                "back_url": back,
            },
        )

    # Their parts ------------------------------------------------------------------------

    def _choose_balie_page(self, request: HttpRequest, *, refusal: str | None = None) -> HttpResponse:
        balies = counter_balies(request)
        return self._render(
            request,
            "admin/counter/choose_balie.html",
            {
                "title": gettext("Counter: which balie do you work for now?"),
                "balies": balies,
                "balie": chosen_counter_balie(request),
                "refusal": refusal,
            },
        )

    def _passholder_page(
        self,
        request: HttpRequest,
        balie: Balie,
        passholder_id: int,
        step: NewCardStep,
        *,
        passholder: Passholder | None = None,
        focus_lookup: bool = False,
    ) -> HttpResponse:
        passholder = passholder or self._passholder(request, balie, passholder_id)
        glance = self._glance(request, balie, passholder)
        may_block = {
            card_system_id
            for card_system_id, rights in balie_permissions(balie).items()
            if CardSystemPermission.PASSHOLDER_BLOCK in rights
        }
        return self._render(
            request,
            "admin/counter/passholder.html",
            {
                "title": str(passholder),
                "balie": balie,
                "passholder": passholder,
                "memberships": glance.memberships,
                "cards": [
                    (card, card.status == CardStatus.ACTIVE and card.card_system_id in may_block)
                    for card in glance.cards
                ],
                "step": step,
                "new_card_url": reverse("admin:counter_new_card", kwargs={"passholder_id": passholder.pk}),
                "proposal": proposed_reason(step.form.data.get("uitpas_number", ""), glance.memberships),
                "kansenpas_by_prefix": kansenpas_by_prefix(glance.memberships),
                "focus_lookup": focus_lookup,
            },
        )

    def _visible(self, request: HttpRequest, balie: Balie) -> set[int] | None:
        """The card systems whose members the counter shows: those where the balie
        holds a right (once per request)."""
        return once_per_request(
            request,
            "counter_card_system_ids",
            lambda: card_system_ids_with_rights(user=request.user, balie=balie),
        )

    def _passholder(self, request: HttpRequest, balie: Balie, passholder_id: int) -> Passholder:
        """The passholder, when a member of a card system the balie sees; 404 otherwise
        (for the balie, nobody else exists)."""
        found = passholders_with_membership(
            Passholder.objects.filter(pk=passholder_id), card_system_ids=self._visible(request, balie)
        ).first()
        if found is None:
            raise Http404(gettext("No such passholder."))
        return found

    def _glance(self, request: HttpRequest, balie: Balie, passholder: Passholder) -> PassholderAtAGlance:
        return once_per_request(
            request,
            "counter_glance",
            lambda: passholder_at_a_glance(passholder, card_system_ids=self._visible(request, balie)),
        )

    def _render(self, request: HttpRequest, template: str, context: dict) -> TemplateResponse:
        request.current_app = self.site.name
        return TemplateResponse(
            request,
            template,
            {**self.site.each_context(request), "balies": counter_balies(request), **context},
        )


def _not_found_words(term: str, lookup) -> str:
    """Why a lookup led nowhere, in words."""
    shown = term.strip()[:60]
    if lookup is None:
        return gettext(
            "“%(term)s” is no UiTPAS number, chip number, uid or name: scan the card again, or type a name."
        ) % {"term": shown}
    if lookup.too_many:
        return gettext(
            "More than %(count)s passholders have a name or first name starting with “%(term)s”: "
            "type more of the name, or the first name as well."
        ) % {"count": number_format(NAME_MATCHES_SORTED, force_grouping=True), "term": shown}
    match lookup.kind:
        case LookupKind.INVALID_UITPAS_NUMBER:
            return gettext(
                "“%(term)s” is not a UiTPAS number (a digit is wrong): scan the card again, or type the number again."
            ) % {"term": shown}
        case LookupKind.UITPAS_NUMBER:
            return gettext("No passholder of your card systems has the card %(term)s.") % {"term": shown}
        case LookupKind.NAME:
            return gettext(
                "No passholder of your card systems has a name or first name starting with each word of “%(term)s”."
            ) % {"term": shown}
    return gettext("No passholder of your card systems has the chip number or uid “%(term)s”.") % {
        "term": shown
    }

"""The card stock in the admin: the card list and its actions (the stock pages are in
:mod:`cardsystems.admin.stock_pages`).

Who sees what (guardian, not Django's model permissions): a card system administrator
(``manage_stock`` on a card system) sees and changes every card of that card system;
balie staff see the stock of the balies they work at and may only confirm its arrival;
a superuser sees everything. Every change goes through :mod:`cardsystems.services`,
which checks the rights again for each card: the admin's scoping is for the lists, the
services' checks are the rule.

The list stays fast with a million cards: no facets, no full count, and indexes that
give the first page in number order (see ``Card.Meta.indexes``).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cardsystems import services
from cardsystems.admin.setup import stock_rights
from cardsystems.admin.stock_forms import SendToBalieForm
from cardsystems.admin.stock_pages import SENT, StockPagesAdmin, csv_response, stock_change_message
from cardsystems.models import Card, CardHistory
from cardsystems.selectors import card_range
from uitpas_site.admin_lists import ChoiceFilter
from uitpas_site.admin_mixins import ReadOnlyAdminMixin
from uitpas_site.errors import UitpasError, add_refusal

# Where CardAdmin.response_action keeps, on the request, the list Django hands the action.
_LISTED_CARDS = "_uitpas_listed_cards"


class CardSystemFilter(ChoiceFilter):
    title = _("card system")
    parameter_name = "card_system"

    def lookups(self, request, model_admin):
        return [
            (str(card_system.pk), card_system.name) for card_system in stock_rights(request).card_systems()
        ]

    def filtered(self, request, queryset, value):
        return queryset.filter(card_system_id=value)


class BalieFilter(ChoiceFilter):
    title = _("balie")
    parameter_name = "balie"

    def lookups(self, request, model_admin):
        return [(str(balie.pk), balie.name) for balie in stock_rights(request).balies()]

    def filtered(self, request, queryset, value):
        return queryset.filter(balie_id=value)


class KansenpasFilter(ChoiceFilter):
    # The kansenpas flag is a generated column: Django's own filter for it would list
    # its distinct values, reading every card to do so.
    title = _("kansenpas")
    parameter_name = "kansenpas"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def filtered(self, request, queryset, value):
        return queryset.filter(kansenpas=value == "yes")


class CardHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The card's history, as the services wrote it: read-only."""

    model = CardHistory
    fields = ("created_at", "from_status", "to_status", "reason", "user", "balie")
    readonly_fields = fields
    ordering = ("created_at", "id")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "balie")

    def has_view_permission(self, request, obj=None):
        return obj is None or stock_rights(request).may_see(obj)


def _transition_action(name, change, *, description, title, button, done, permission="manage_stock"):
    """An action that runs one transition service, through the intermediate page."""

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        return modeladmin._stock_action(
            request, queryset, action=name, change=change, title=title, button=button, done=done
        )

    action.__name__ = name
    return action


# Read-only in the admin's sense: cards are generated (see the generate page), not added
# one by one; a card changes through the transitions of the actions only; it is never
# removed (the delete action marks it DELETED).
@admin.register(Card)
class CardAdmin(ReadOnlyAdminMixin, StockPagesAdmin):
    # What a clerk or administrator looks for in the list, narrow enough for a laptop:
    # the chip number and the type are on the card's page (and the search finds a chip
    # number, the filter a type).
    list_display = ("uitpas_number", "is_kansenpas", "status", "balie", "card_system")
    list_filter = (CardSystemFilter, "status", KansenpasFilter, "card_type", BalieFilter)
    search_fields = ("uitpas_number", "chip_number")
    search_help_text = _("A UiTPAS number or chip number, or how it starts.")
    list_select_related = ("card_system", "balie")
    selection_refused_message = _("Some of the chosen cards are not in your list; nothing was changed.")
    list_per_page = 100
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("uitpas_number",)
    fields = (
        "uitpas_number",
        "chip_number",
        "card_system",
        "card_type",
        "is_kansenpas",
        "status",
        "balie",
        "passholder",
    )
    readonly_fields = fields
    inlines = [CardHistoryInline]
    actions = [
        "send_to_balie",
        "confirm_arrival",
        "return_to_stock",
        "delete_cards",
        "block_cards",
        "export_numbers",
    ]

    @admin.display(boolean=True, description=_("kansenpas"), ordering="kansenpas")
    def is_kansenpas(self, card: Card) -> bool:
        return card.kansenpas

    # Who may do what ------------------------------------------------------------------

    def get_queryset(self, request):
        return stock_rights(request).cards()

    def has_module_permission(self, request):
        return request.user.is_active and (
            stock_rights(request).administers_stock or bool(stock_rights(request).works_at)
        )

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or stock_rights(request).may_see(obj)

    def has_manage_stock_permission(self, request):
        return stock_rights(request).administers_stock

    def has_confirm_arrival_permission(self, request):
        return self.has_module_permission(request)

    # The list -------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """Numbers that start with each term, on the UiTPAS or the chip number: a range
        on their unique indexes rather than a LIKE that reads every card."""
        for term in search_term.replace("\x00", "").split():
            chip = term.upper()
            queryset = queryset.filter(
                _starting_with("uitpas_number", term) | _starting_with("chip_number", chip)
            )
        return queryset, False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "administers_stock": stock_rights(request).administers_stock,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # Actions --------------------------------------------------------------------------

    @admin.action(description=_("Send the selected cards to a balie"), permissions=["manage_stock"])
    def send_to_balie(self, request, queryset):
        return self._stock_action(
            request,
            queryset,
            action="send_to_balie",
            change=services.send_cards_to_balie,
            title=_("Send cards to a balie"),
            button=_("Send"),
            done=SENT,
            form=SendToBalieForm(
                request.POST if "confirm" in request.POST else None, balies=stock_rights(request).balies()
            ),
        )

    confirm_arrival = _transition_action(
        "confirm_arrival",
        services.confirm_arrival,
        permission="confirm_arrival",
        description=_("Confirm the arrival of the selected cards"),
        title=_("Confirm the arrival of cards"),
        button=_("Confirm arrival"),
        done=ngettext_lazy(
            "The arrival of %(count)s card (%(first)s) was confirmed.",
            "The arrival of %(count)s cards (%(first)s to %(last)s) was confirmed.",
            "count",
        ),
    )
    return_to_stock = _transition_action(
        "return_to_stock",
        services.return_to_stock,
        description=_("Send the selected cards back to central stock"),
        title=_("Send cards back to central stock"),
        button=_("Send back"),
        done=ngettext_lazy(
            "%(count)s card (%(first)s) is back in central stock.",
            "%(count)s cards (%(first)s to %(last)s) are back in central stock.",
            "count",
        ),
    )
    delete_cards = _transition_action(
        "delete_cards",
        services.delete_cards,
        description=_("Delete the selected cards (created by mistake)"),
        title=_("Delete cards created by mistake"),
        button=_("Delete"),
        done=ngettext_lazy(
            "%(count)s card (%(first)s) was deleted.",
            "%(count)s cards (%(first)s to %(last)s) were deleted.",
            "count",
        ),
    )
    block_cards = _transition_action(
        "block_cards",
        services.block_cards,
        description=_("Block the selected cards"),
        title=_("Block cards"),
        button=_("Block"),
        done=ngettext_lazy(
            "%(count)s card (%(first)s) was blocked.",
            "%(count)s cards (%(first)s to %(last)s) were blocked.",
            "count",
        ),
    )

    @admin.action(
        description=_("Export the UiTPAS numbers of the selected cards (CSV)"), permissions=["manage_stock"]
    )
    def export_numbers(self, request, queryset):
        # Django's queryset is the ticked cards within the person's list; one ticked by
        # hand outside it refuses the export, as it refuses every other action.
        if self._selection_refused(request, queryset):
            return None
        numbers = (
            queryset.order_by("uitpas_number")
            .values_list("uitpas_number", flat=True)
            .iterator(chunk_size=5000)
        )
        return csv_response(numbers, "uitpas-numbers.csv")

    def _stock_action(self, request, queryset, *, action, change, title, button, done, form=None):
        """A transition with Django's intermediate page (like ``delete_selected``): it
        says how many cards change, or why none can; the change happens once confirmed,
        for every card or for none."""
        card_ids = self._chosen_card_ids(request, queryset)
        if card_ids is None:
            return None
        if "confirm" in request.POST and (form is None or form.is_valid()):
            try:
                result = change(user=request.user, card_ids=card_ids, **(form.cleaned_data if form else {}))
            except UitpasError as error:
                if form is None:
                    self.message_user(request, str(error), messages.ERROR)
                    return None
                add_refusal(form, error)  # e.g. a balie that may not receive them: choose another
            else:
                self.message_user(request, stock_change_message(done, result), messages.SUCCESS)
                return None
        if form is None:
            # Every card is checked before the question: a refusal now spares a confirmation.
            try:
                summary = change(user=request.user, card_ids=card_ids, check_only=True)
            except UitpasError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
        else:
            # Until the balie is chosen, the page can only say what was chosen.
            summary = card_range(card_ids=card_ids)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "button": button,
            "summary": summary,
            "form": form,
            "action": action,
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cardsystems/card/stock_action_confirmation.html", context)

    def _chosen_card_ids(self, request, queryset) -> list[int] | None:
        """The ids of the chosen cards, or None when the selection is refused (see
        :meth:`_selection_refused`)."""
        if self._selection_refused(request, queryset):
            return None
        return sorted(queryset.values_list("pk", flat=True))

    def response_action(self, request, queryset, *args, **kwargs):
        """Django's, after one thing only it knows: ``queryset``, the person's filtered
        list, is kept for :meth:`_selection_refused`: with "select all" Django hands the
        action that very queryset, otherwise the ticked cards within it. (A ticked id
        that is no number never gets here: the site's ``BoundedLists`` refuses it.)"""
        setattr(request, _LISTED_CARDS, queryset)
        return super().response_action(request, queryset, *args, **kwargs)

    def _selection_refused(self, request, queryset) -> bool:
        """Whether a ticked id is not in the person's list (posted by hand), saying so:
        such an id refuses the whole action rather than vanishing from the selection.
        ``queryset`` is Django's: with "select all" the whole filtered list, else the
        ticked cards within it, as many as the distinct ticked ids unless one is foreign."""
        if queryset is getattr(request, _LISTED_CARDS, None):
            return False
        ticked = {int(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)}
        if len(ticked) == queryset.count():
            return False
        self._refuse_selection(request)
        return True

    def _refuse_selection(self, request) -> None:
        self.message_user(request, self.selection_refused_message, messages.ERROR)


def _starting_with(field: str, prefix: str) -> Q:
    """Values of ``field`` that start with ``prefix``, as a range an index can serve:
    "~" sorts after every digit and letter."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "~"})

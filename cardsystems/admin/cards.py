"""The card stock in the admin: the card list, its actions and the stock pages.

Who sees what (guardian, not Django's model permissions): a card system administrator
(``manage_stock`` on a card system) sees and changes every card of that card system;
balie staff see the stock of the balies they work at and may only confirm its arrival;
a superuser sees everything. Every change goes through :mod:`cardsystems.services`,
which checks the rights again for each card: the admin's scoping is for the lists, the
services' checks are the rule.

The list stays fast with a million cards: no facets, no full count, and indexes that
give the first page in number order (see ``Card.Meta.indexes``).
"""

import datetime
import io
from collections.abc import Iterator

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from cardsystems import services
from cardsystems.admin.setup import administered_card_systems, stock_rights
from cardsystems.admin.stock_forms import (
    CardImportForm,
    GenerateCardsForm,
    SendPackagesForm,
    SendToBalieForm,
    add_refusal,
)
from cardsystems.admin.stock_overview import BAR_LENGTH, overview_rows
from cardsystems.models import Card, CardHistory, CardImportUpload, CardStatus, CardSystem
from cardsystems.selectors import (
    card_range,
    generated_batch,
    generated_numbers,
    stock_per_balie,
)
from cardsystems.uitpas_numbers import parse_uitpas_number
from uitpas_site.admin_lists import ChoiceFilter
from uitpas_site.errors import UitpasError

# Uploads nobody applied are removed after this long.
UPLOAD_KEPT_FOR = datetime.timedelta(days=1)

SENT = ngettext_lazy(
    "%(count)s card (%(first)s) was sent to the balie.",
    "%(count)s cards (%(first)s to %(last)s) were sent to the balie.",
    "count",
)


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


class CardHistoryInline(admin.TabularInline):
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

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _transition_action(name, change, *, description, title, button, done, permission="manage_stock"):
    """An action that runs one transition service, through the intermediate page."""

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        return modeladmin._stock_action(
            request, queryset, action=name, change=change, title=title, button=button, done=done
        )

    action.__name__ = name
    return action


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    # What a clerk or administrator looks for in the list, narrow enough for a laptop:
    # the chip number and the type are on the card's page (and the search finds a chip
    # number, the filter a type).
    list_display = ("uitpas_number", "is_kansenpas", "status", "balie", "card_system")
    list_filter = (CardSystemFilter, "status", KansenpasFilter, "card_type", BalieFilter)
    search_fields = ("uitpas_number", "chip_number")
    search_help_text = _("A UiTPAS number or chip number, or how it starts.")
    list_select_related = ("card_system", "balie")
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

    def has_add_permission(self, request):
        return False  # cards are generated (see the generate page), not added one by one

    def has_change_permission(self, request, obj=None):
        return False  # a card changes through the transitions of the actions only

    def has_delete_permission(self, request, obj=None):
        return False  # a card is never removed: the delete action marks it DELETED

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
        return _csv_response(numbers, "uitpas-numbers.csv")

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
                self.message_user(request, _done(done, result), messages.SUCCESS)
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

    def _selection_refused(self, request, queryset) -> bool:
        """Whether a ticked id is not in the person's list (posted by hand), saying so:
        such an id refuses the whole action rather than vanishing from the selection.
        ``queryset`` is Django's: the ticked cards within the list, or with
        ``select_across`` the whole filtered list."""
        if request.POST.get("select_across", "0") not in ("", "0", "False", "false"):
            return False
        try:
            ticked = {int(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)}
        except ValueError:
            ticked = None
        if ticked is not None and ticked <= set(queryset.values_list("pk", flat=True)):
            return False
        self.message_user(
            request, _("Some of the chosen cards are not in your list; nothing was changed."), messages.ERROR
        )
        return True

    # The stock pages ------------------------------------------------------------------

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("generate/", view(self.generate_view), name="cardsystems_card_generate"),
            path("generated/", view(self.generated_view), name="cardsystems_card_generated"),
            path("export/", view(self.export_view), name="cardsystems_card_export"),
            path("import/", view(self.import_view), name="cardsystems_card_import"),
            path(
                "import/<int:upload_id>/",
                view(self.import_preview_view),
                name="cardsystems_card_import_preview",
            ),
            path("send-packages/", view(self.send_packages_view), name="cardsystems_card_send_packages"),
            path("stock-overview/", view(self.stock_overview_view), name="cardsystems_card_stock_overview"),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, title, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context}
        return TemplateResponse(request, f"admin/cardsystems/card/{template}", context)

    def _administered(self, request) -> QuerySet[CardSystem]:
        if not stock_rights(request).administers_stock:
            raise PermissionDenied
        return administered_card_systems(request)

    def _changelist_url(self, **filters) -> str:
        url = reverse("admin:cardsystems_card_changelist")
        return f"{url}?{urlencode(filters)}" if filters else url

    def generate_view(self, request):
        form = GenerateCardsForm(request.POST or None, card_systems=self._administered(request))
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.generate_cards(user=request.user, **form.cleaned_data)
            except UitpasError as error:
                add_refusal(form, error)
            else:
                query = {"card_system": form.cleaned_data["card_system"].pk, "first": batch.first_number}
                query["last"] = batch.last_number
                return HttpResponseRedirect(
                    f"{reverse('admin:cardsystems_card_generated')}?{urlencode(query)}"
                )
        return self._page(request, "generate.html", _("Generate UiTPAS numbers"), form=form)

    def generated_view(self, request):
        card_system, first, last = self._batch(request)
        count = generated_batch(card_system=card_system, first_number=first, last_number=last).count()
        return self._page(
            request,
            "generated.html",
            _("UiTPAS numbers generated"),
            card_system=card_system,
            first=first,
            last=last,
            count=count,
            export_url=f"{reverse('admin:cardsystems_card_export')}?{request.GET.urlencode()}",
            list_url=self._changelist_url(card_system=card_system.pk, status__exact=CardStatus.PROVISIONED),
        )

    def export_view(self, request):
        """The numbers of a generated batch, as CSV for the card supplier."""
        card_system, first, last = self._batch(request)
        numbers = generated_numbers(card_system=card_system, first_number=first, last_number=last)
        return _csv_response(numbers, f"uitpas-{first}-{last}.csv")

    def _batch(self, request) -> tuple[CardSystem, str, str]:
        card_system = get_object_or_404(
            self._administered(request), pk=_int_or_none(request.GET.get("card_system"))
        )
        try:
            first = parse_uitpas_number(request.GET.get("first", ""))
            last = parse_uitpas_number(request.GET.get("last", ""))
        except UitpasError:
            raise Http404("Not a batch of UiTPAS numbers.") from None
        return card_system, first, last

    def import_view(self, request):
        card_systems = self._administered(request)
        form = CardImportForm(request.POST or None, request.FILES or None, card_systems=card_systems)
        if request.method == "POST" and form.is_valid():
            CardImportUpload.objects.filter(uploaded_at__lt=timezone.now() - UPLOAD_KEPT_FOR).delete()
            upload = CardImportUpload.objects.create(
                card_system=form.cleaned_data["card_system"],
                uploaded_by=request.user,
                file_name=request.FILES["file"].name[:255],
                content=form.cleaned_data["file"],
            )
            return HttpResponseRedirect(reverse("admin:cardsystems_card_import_preview", args=[upload.pk]))
        return self._page(request, "import.html", _("Import the supplier's file"), form=form)

    def import_preview_view(self, request, upload_id: int):
        """GET: what the import would do. POST: do it, all or nothing."""
        upload = get_object_or_404(
            CardImportUpload.objects.select_related("card_system"),
            pk=upload_id,
            uploaded_by=request.user,
            card_system__in=self._administered(request),
        )
        lines = _lines(upload.content)
        try:
            if request.method == "POST":
                preview = services.import_cards(
                    user=request.user, card_system=upload.card_system, lines=lines
                )
                upload.delete()
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s card of %(card_system)s is in central stock now.",
                        "%(count)s cards of %(card_system)s are in central stock now.",
                        preview.card_count,
                    )
                    % {"count": preview.card_count, "card_system": upload.card_system},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    self._changelist_url(card_system=upload.card_system.pk, status__exact=CardStatus.STOCK)
                )
            preview = services.preview_card_import(
                user=request.user, card_system=upload.card_system, lines=lines
            )
        except services.CardImportRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            preview = refused.preview
        return self._page(
            request, "import_preview.html", _("Check the supplier's file"), upload=upload, preview=preview
        )

    def send_packages_view(self, request):
        form = SendPackagesForm(
            request.POST or None,
            card_systems=self._administered(request),
            balies=stock_rights(request).balies(),
        )
        summary = None
        if request.method == "POST" and form.is_valid():
            confirmed = "confirm" in request.POST
            try:
                summary = services.send_packages_to_balie(
                    user=request.user, check_only=not confirmed, **form.cleaned_data
                )
            except UitpasError as error:
                add_refusal(form, error)
            else:
                if confirmed:
                    self.message_user(
                        request,
                        _done(SENT, summary),
                        messages.SUCCESS,
                    )
                    balie = form.cleaned_data["balie"]
                    return HttpResponseRedirect(
                        self._changelist_url(balie=balie.pk, status__exact=CardStatus.SENT_TO_BALIE)
                    )
        return self._page(
            request, "send_packages.html", _("Send packages to a balie"), form=form, summary=summary
        )

    def stock_overview_view(self, request):
        """Per balie of the person's card systems: cards sent and arrived, regular and
        kansenpas, with a bar; for administrators (and superusers), not for clerks."""
        if not stock_rights(request).administers_stock:
            raise PermissionDenied
        rows = overview_rows(stock_per_balie(card_system_ids=stock_rights(request).administered))
        return self._page(
            request, "stock_overview.html", _("Stock per balie"), rows=rows, bar_length=BAR_LENGTH
        )


def _starting_with(field: str, prefix: str) -> Q:
    """Values of ``field`` that start with ``prefix``, as a range an index can serve:
    "~" sorts after every digit and letter."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "~"})


def _done(template, result: services.StockChange) -> str:
    """The message of a done transition; ``template`` is an ``ngettext_lazy`` on "count"."""
    return template % {"count": result.count, "first": result.first_number, "last": result.last_number}


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _lines(text: str) -> Iterator[str]:
    return io.StringIO(text, newline="")


def _csv_response(numbers: Iterator[str], filename: str) -> StreamingHttpResponse:
    """One quoted UiTPAS number a line, streamed: a million numbers never sit in memory."""
    response = StreamingHttpResponse(
        (f'"{number}"\r\n' for number in numbers), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

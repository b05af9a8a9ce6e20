"""The stock pages of the card admin: generate UiTPAS numbers, the generated batch and
its export for the supplier, import the supplier's file (with a preview), send packages
to a balie, and the stock per balie. :class:`StockPagesAdmin`, the base of the
``CardAdmin`` (:mod:`cardsystems.admin.cards`), serves them under its URLs; they are for
card system administrators, and every change goes through :mod:`cardsystems.services`.
"""

import datetime
import io
from collections.abc import Iterator

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
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
from cardsystems.admin.stock_forms import CardImportForm, GenerateCardsForm, SendPackagesForm
from cardsystems.admin.stock_overview import BAR_LENGTH, overview_rows
from cardsystems.models import CardImportUpload, CardStatus, CardSystem
from cardsystems.selectors import generated_batch, generated_numbers, stock_per_balie
from cardsystems.uitpas_numbers import parse_uitpas_number
from uitpas_site.errors import UitpasError, add_refusal

# Uploads nobody applied are removed after this long.
UPLOAD_KEPT_FOR = datetime.timedelta(days=1)

SENT = ngettext_lazy(
    "%(count)s card (%(first)s) was sent to the balie.",
    "%(count)s cards (%(first)s to %(last)s) were sent to the balie.",
    "count",
)


class StockPagesAdmin(admin.ModelAdmin):
    """The stock pages, as the base of the ``ModelAdmin`` of ``Card``: its URLs first,
    then the model admin's own."""

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
        return csv_response(numbers, f"uitpas-{first}-{last}.csv")

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
                        stock_change_message(SENT, summary),
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


def stock_change_message(template, result: services.StockChange) -> str:
    """The message of a done transition; ``template`` is an ``ngettext_lazy`` on "count"."""
    return template % {"count": result.count, "first": result.first_number, "last": result.last_number}


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _lines(text: str) -> Iterator[str]:
    return io.StringIO(text, newline="")


def csv_response(numbers: Iterator[str], filename: str) -> StreamingHttpResponse:
    """One quoted UiTPAS number a line, streamed: a million numbers never sit in memory."""
    response = StreamingHttpResponse(
        (f'"{number}"\r\n' for number in numbers), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

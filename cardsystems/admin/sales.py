"""Sales in the back-office: what each balie collected, its CSV export, and refunds.

Who sees what: superusers every sale; balie staff the sales of the balies they work at;
card system administrators the sales of their card systems (at any balie, and those
made without a balie). Nobody adds, changes or deletes a sale here: a mistake is
corrected by a refund, which an administrator of the sale's card system (or a superuser)
makes on the sale's page (:func:`cardsystems.sale_services.refund_sale`).

*What each balie collected* (``collected/``) shows one balie's sales in a period (today
by default; Brussels days): totals per reason and the payment-free share, a chart of the
30 days up to the end of the period (an SVG drawn here: no script, no inline style, so
it works under the site's Content-Security-Policy), the sales themselves, and a CSV
export for a spreadsheet.
"""

import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cardsystems.admin.setup import stock_rights
from cardsystems.models import Balie, Sale, price_reason_label
from cardsystems.sale_selectors import (
    SALES_SHOWN,
    DayTotal,
    daily_totals,
    listed_sales,
    sales_of,
    total_of,
    totals_per_reason,
    visible_sales,
)
from cardsystems.sale_services import refund_sale
from cardsystems.selectors import StockRights
from cardsystems.spreadsheet import amount_cell, text_cell
from uitpas_site.admin_lists import ChoiceFilter
from uitpas_site.admin_mixins import ReadOnlyAdminMixin
from uitpas_site.errors import UitpasError, add_refusal

# The balie choice for the sales an administrator made for no balie.
WITHOUT_BALIE = "none"
LONGEST_PERIOD = datetime.timedelta(days=366)
EARLIEST_DAY = datetime.date(2000, 1, 1)


def may_refund(rights: StockRights, sale: Sale) -> bool:
    """Whether the person administers the sale's card system (as the service checks)."""
    return rights.administered is None or sale.card_system_id in rights.administered


class SaleBalieFilter(ChoiceFilter):
    title = _("balie")
    parameter_name = "balie"

    def lookups(self, request, model_admin):
        return [(str(balie.pk), balie.name) for balie in stock_rights(request).balies()]

    def filtered(self, request, queryset, value):
        return queryset.filter(balie_id=value)


class CollectedForm(forms.Form):
    """Which balie, which days: today at the first balie offered, unless asked."""

    balie = forms.ChoiceField(label=_("balie"))
    first_day = forms.DateField(
        label=_("from"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=_("up to and including"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, query, *, balies: list[Balie], without_balie: bool, today: datetime.date) -> None:
        self.today = today
        self.balies = {str(balie.pk): balie for balie in balies}
        choices: list[tuple[str, str | Promise]] = [(key, balie.name) for key, balie in self.balies.items()]
        if without_balie:
            choices.append((WITHOUT_BALIE, _("no balie (card system administrators)")))
        defaults = {"first_day": today.isoformat(), "last_day": today.isoformat()}
        if choices:
            defaults["balie"] = choices[0][0]
        super().__init__({**defaults, **{name: query[name] for name in self.base_fields if name in query}})
        balie_field = self.fields["balie"]
        if not isinstance(balie_field, forms.ChoiceField):
            raise TypeError("the balie field is a ChoiceField")
        balie_field.choices = choices

    def clean(self):
        cleaned = super().clean()
        first_day, last_day = cleaned.get("first_day"), cleaned.get("last_day")
        if first_day and last_day:
            # Sales began long after 2000 and none lie ahead; the calendar's own ends
            # (years 1 and 9999) would overflow the chart's 30 days.
            if first_day < EARLIEST_DAY or last_day > self.today + LONGEST_PERIOD:
                self.add_error("first_day", _("Choose days between 2000 and a year from now."))
            elif last_day < first_day:
                self.add_error("last_day", _("The period ends before it starts."))
            elif last_day - first_day >= LONGEST_PERIOD:
                self.add_error("last_day", _("Choose a period of at most a year."))
        return cleaned

    @property
    def chosen_balie(self) -> Balie | None:
        return self.balies.get(self.cleaned_data["balie"])

    def query(self) -> str:
        """The chosen balie and period as a query string (for the CSV link)."""
        return urlencode(
            {
                "balie": self.cleaned_data["balie"],
                "first_day": self.cleaned_data["first_day"].isoformat(),
                "last_day": self.cleaned_data["last_day"].isoformat(),
            }
        )


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount to give back (euro)"), max_digits=9, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(
        label=_("reason for the refund"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Why the money is given back; the balie and the audit log keep it."),
    )


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    x: float
    y: float
    height: float
    total: DayTotal


@dataclass(frozen=True)
class BarChart:
    """The daily amounts as bars of an SVG: its size, the zero line, the bars."""

    width: int
    height: int
    bar_width: float
    zero_y: float
    highest: Decimal
    bars: list[Bar]


CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 900, 180, 12, 150


def bar_chart(days: list[DayTotal]) -> BarChart:
    """A bar per day; the scale fits the highest and the lowest day (a day with more
    refunded than sold goes below the line)."""
    highest = max([day.amount for day in days] + [Decimal("0")])
    lowest = min([day.amount for day in days] + [Decimal("0")])
    span = (highest - lowest) or Decimal("1")
    scale = (CHART_BOTTOM - CHART_TOP) / float(span)
    zero_y = CHART_TOP + float(highest) * scale
    step = CHART_WIDTH / len(days)
    bars = []
    for index, day in enumerate(days):
        top = zero_y - max(float(day.amount), 0) * scale
        height = abs(float(day.amount)) * scale
        bars.append(Bar(day.day, round(index * step + step * 0.15, 2), round(top, 2), round(height, 2), day))
    return BarChart(CHART_WIDTH, CHART_HEIGHT, round(step * 0.7, 2), round(zero_y, 2), highest, bars)


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "balie",
        "clerk_name",
        "passholder",
        "card",
        "reason",
        "voucher",
        "amount_shown",
        "refund_of",
    ]
    list_filter = [SaleBalieFilter, "reason"]
    list_select_related = ["balie", "passholder", "card", "voucher"]
    search_fields = ["=card__uitpas_number", "=voucher__number"]
    search_help_text = _("A UiTPAS number or a voucher number.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = readonly_fields = (
        "created_at",
        "card_system",
        "balie",
        "clerk_name",
        "passholder",
        "card",
        "reason",
        "kansenstatuut",
        "voucher",
        "price_text",
        "amount",
        "free_because",
        "refunded_sale",
        "refund_reason",
    )

    @admin.display(description=_("amount (euro)"), ordering="amount")
    def amount_shown(self, sale: Sale) -> str:
        return formats.number_format(sale.amount, 2)

    @admin.display(description=_("refund of"))
    def refund_of(self, sale: Sale) -> str:
        return str(sale.refunded_sale_id or "")

    @admin.display(description=_("price row as sold"))
    def price_text(self, sale: Sale) -> str:
        return sale.price_text

    # Who may do what ------------------------------------------------------------------

    def get_queryset(self, request):
        return visible_sales(stock_rights(request))

    def has_module_permission(self, request):
        rights = stock_rights(request)
        return request.user.is_active and (rights.administers_stock or bool(rights.works_at))

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        if obj is None:
            return True
        # Django asks this many times per page: one query.
        answers = request.__dict__.setdefault("_visible_sales", {})
        if obj.pk not in answers:
            answers[obj.pk] = visible_sales(stock_rights(request)).filter(pk=obj.pk).exists()
        return answers[obj.pk]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        sale = self.get_object(request, object_id)
        extra_context = {**(extra_context or {})}
        if sale is not None:
            refunded = Sale.objects.filter(refunded_sale=sale).first()
            extra_context["refunded_by"] = refunded
            extra_context["may_refund"] = (
                not sale.is_refund and refunded is None and may_refund(stock_rights(request), sale)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"collected_url": reverse("admin:cardsystems_sale_collected")}
        )

    # Pages of their own -----------------------------------------------------------------

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("collected/", view(self.collected_view), name="cardsystems_sale_collected"),
            path("collected/csv/", view(self.collected_csv_view), name="cardsystems_sale_collected_csv"),
            path("<int:sale_id>/refund/", view(self.refund_view), name="cardsystems_sale_refund"),
            *super().get_urls(),
        ]

    def _collected_form(self, request) -> CollectedForm:
        if not self.has_module_permission(request):
            raise PermissionDenied
        rights = stock_rights(request)
        return CollectedForm(
            request.GET,
            balies=list(rights.balies()),
            without_balie=rights.administers_stock,
            today=timezone.localdate(),
        )

    def collected_view(self, request):
        form = self._collected_form(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("What each balie collected"),
            "form": form,
        }
        if form.is_valid():
            rights = stock_rights(request)
            balie, first_day, last_day = (
                form.chosen_balie,
                form.cleaned_data["first_day"],
                form.cleaned_data["last_day"],
            )
            sales = sales_of(rights, balie=balie, first_day=first_day, last_day=last_day)
            per_reason = totals_per_reason(sales)
            total = total_of(per_reason)
            listed = list(
                listed_sales(sales).annotate(
                    refunded=Exists(Sale.objects.filter(refunded_sale=OuterRef("pk")))
                )[:SALES_SHOWN]
            )
            # Each sale with whether the viewer may refund it (not a refund, not refunded yet).
            rows = [
                (sale, not sale.is_refund and not sale.refunded and may_refund(rights, sale))
                for sale in listed
            ]
            context.update(
                balie=balie,
                first_day=first_day,
                last_day=last_day,
                per_reason=per_reason,
                total=total,
                sales=rows,
                sales_count=total.sales + total.refunds,
                sales_shown=SALES_SHOWN,
                chart=bar_chart(daily_totals(rights, balie=balie, last_day=last_day)),
                csv_url=f"{reverse('admin:cardsystems_sale_collected_csv')}?{form.query()}",
            )
        return TemplateResponse(request, "admin/cardsystems/sale/collected.html", context)

    def collected_csv_view(self, request):
        form = self._collected_form(request)
        if not form.is_valid():
            self.message_user(request, _("Choose a balie and a period first."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:cardsystems_sale_collected"))
        balie, first_day, last_day = (
            form.chosen_balie,
            form.cleaned_data["first_day"],
            form.cleaned_data["last_day"],
        )
        sales = listed_sales(
            sales_of(stock_rights(request), balie=balie, first_day=first_day, last_day=last_day)
        )
        name = slugify(balie.name if balie else "no-balie") or "balie"
        period = (
            first_day.isoformat()
            if first_day == last_day
            else f"{first_day.isoformat()}_{last_day.isoformat()}"
        )
        response = StreamingHttpResponse(_csv_lines(sales), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sales-{name}-{period}.csv"'
        return response

    def refund_view(self, request, sale_id: int):
        sale = get_object_or_404(
            self.get_queryset(request).select_related("balie", "card", "passholder"), pk=sale_id
        )
        if not may_refund(stock_rights(request), sale):
            raise PermissionDenied
        form = RefundForm(request.POST or None, initial={"amount": sale.amount})
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_sale(user=request.user, sale_id=sale.pk, **form.cleaned_data)
            except UitpasError as error:
                add_refusal(form, error)
            else:
                self.message_user(
                    request,
                    _("€ %(amount)s of sale %(sale)s is refunded.")
                    % {"amount": formats.number_format(-refund.amount, 2), "sale": sale.pk},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:cardsystems_sale_change", args=[sale.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Refund sale %(sale)s") % {"sale": sale.pk},
            "sale": sale,
            "form": form,
        }
        return TemplateResponse(request, "admin/cardsystems/sale/refund.html", context)


class _Echo:
    """A file that hands back what is written to it: csv.writer's lines, streamed."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(sales) -> Iterator[str]:
    """The sales for a spreadsheet: ``;`` between cells, the decimal separator of the
    language of the page, a BOM so that it is read as UTF-8. Amounts are numbers; text
    cells never start like a formula (:mod:`cardsystems.spreadsheet`)."""
    separator = formats.get_format("DECIMAL_SEPARATOR")
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    header = [
        _("when"),
        _("balie"),
        _("by"),
        _("passholder"),
        _("UiTPAS number"),
        _("reason"),
        _("voucher"),
        _("price row as sold"),
        _("free because of"),
        _("amount (euro)"),
        _("refund of"),
        _("reason for the refund"),
    ]
    yield "\ufeff" + writer.writerow([text_cell(title) for title in header])
    for sale in sales.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                timezone.localtime(sale.created_at).strftime("%Y-%m-%d %H:%M"),
                text_cell(sale.balie.name if sale.balie else ""),
                text_cell(sale.clerk_name),
                text_cell(str(sale.passholder)),
                text_cell(sale.card.uitpas_number),
                text_cell(price_reason_label(sale.reason)),
                text_cell(sale.voucher.number if sale.voucher else ""),
                text_cell(sale.price_text),
                text_cell(sale.get_free_because_display()),
                amount_cell(sale.amount, separator),
                str(sale.refunded_sale_id or ""),
                text_cell(sale.refund_reason),
            ]
        )

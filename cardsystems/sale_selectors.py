"""What each balie collected: its sales in a period, totalled in SQL.

Who sees which sales: superusers all of them; the staff of a balie every sale of that
balie; a card system administrator the sales of their card systems, at any balie and
those made without a balie (by an administrator). Days are Brussels days. Every figure
is an aggregate the database computes, and the list of sales is cut at
:data:`SALES_SHOWN`, so the page costs the same at a hundred or a hundred thousand sales.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from cardsystems.models import PRICE_REASON_VALUES, Balie, FreeBecause, Sale, price_reason_label
from cardsystems.selectors import StockRights
from uitpas_site.w3c_dates import BRUSSELS

# The page lists this many sales of a period; the CSV export has them all.
SALES_SHOWN = 500
# The chart: the days up to the last day of the period.
CHART_DAYS = 30


def visible_sales(rights: StockRights) -> QuerySet[Sale]:
    """Every sale the person may see."""
    if rights.administered is None:
        return Sale.objects.all()
    visible = Q(pk__in=[])
    if rights.works_at:
        visible |= Q(balie_id__in=rights.works_at)
    if rights.administered:
        visible |= Q(card_system_id__in=rights.administered)
    return Sale.objects.filter(visible)


def sales_of(
    rights: StockRights, *, balie: Balie | None, first_day: datetime.date, last_day: datetime.date
) -> QuerySet[Sale]:
    """The sales of ``balie`` (None: made without a balie) on the Brussels days from
    ``first_day`` to ``last_day``, that the person may see."""
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=BRUSSELS)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=BRUSSELS)
    sales = Sale.objects.filter(created_at__gte=start, created_at__lt=end)
    sales = sales.filter(balie=balie) if balie is not None else sales.filter(balie__isnull=True)
    works_there = balie is not None and balie.pk in rights.works_at
    if rights.administered is not None and not works_there:
        sales = sales.filter(card_system_id__in=rights.administered)
    return sales


@dataclass(frozen=True)
class Totals:
    """Sales (refunds not counted), refunds, the sales that were free because of a
    voucher or the kansenstatuut, those for which no price was set, and the amount
    collected (refunds subtracted)."""

    sales: int = 0
    refunds: int = 0
    free_by_voucher: int = 0
    free_by_kansenstatuut: int = 0
    without_price: int = 0
    amount: Decimal = Decimal("0.00")

    @property
    def free(self) -> int:
        return self.free_by_voucher + self.free_by_kansenstatuut

    @property
    def free_share(self) -> float | None:
        """The payment-free share of the sales (0 to 1); None without sales."""
        return self.free / self.sales if self.sales else None

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(*(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__))


@dataclass(frozen=True)
class ReasonTotals:
    reason: str
    totals: Totals

    @property
    def label(self) -> str:
        return price_reason_label(self.reason)


@dataclass(frozen=True)
class DayTotal:
    day: datetime.date
    sales: int
    amount: Decimal


def totals_per_reason(sales: QuerySet[Sale]) -> list[ReasonTotals]:
    """The totals of each reason that has sales, in the order of the reasons. One query."""
    rows = (
        sales.order_by()
        .values("reason")
        .annotate(
            sales=Count("pk", filter=Q(refunded_sale__isnull=True)),
            # Not "refunds": that is the name of Sale's reverse relation.
            refund_count=Count("pk", filter=Q(refunded_sale__isnull=False)),
            free_by_voucher=Count("pk", filter=Q(free_because=FreeBecause.VOUCHER)),
            free_by_kansenstatuut=Count("pk", filter=Q(free_because=FreeBecause.KANSENSTATUUT)),
            without_price=Count("pk", filter=Q(refunded_sale__isnull=True, price_snapshot__isnull=True)),
            amount=Sum("amount"),
        )
    )
    found = {
        row["reason"]: Totals(
            sales=row["sales"],
            refunds=row["refund_count"],
            free_by_voucher=row["free_by_voucher"],
            free_by_kansenstatuut=row["free_by_kansenstatuut"],
            without_price=row["without_price"],
            amount=row["amount"] or Decimal("0.00"),
        )
        for row in rows
    }
    return [ReasonTotals(reason, found[reason]) for reason in PRICE_REASON_VALUES if reason in found]


def total_of(per_reason: list[ReasonTotals]) -> Totals:
    return sum((line.totals for line in per_reason), Totals())


def daily_totals(
    rights: StockRights, *, balie: Balie | None, last_day: datetime.date, days: int = CHART_DAYS
) -> list[DayTotal]:
    """The amount collected and the sales of each of the ``days`` days up to
    ``last_day``, days without sales included. One query."""
    first_day = last_day - datetime.timedelta(days=days - 1)
    rows = (
        sales_of(rights, balie=balie, first_day=first_day, last_day=last_day)
        .annotate(day=TruncDate("created_at", tzinfo=BRUSSELS))
        .order_by()
        .values("day")
        .annotate(sales=Count("pk", filter=Q(refunded_sale__isnull=True)), amount=Sum("amount"))
    )
    found = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        row = found.get(day)
        result.append(
            DayTotal(day, row["sales"], row["amount"]) if row else DayTotal(day, 0, Decimal("0.00"))
        )
    return result


def listed_sales(sales: QuerySet[Sale]) -> QuerySet[Sale]:
    """The sales with what a list of them shows, in the order they were made."""
    return sales.select_related("balie", "passholder", "card", "voucher").order_by("created_at", "pk")

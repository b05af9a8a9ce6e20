"""Sales: recorded as sold, never changed, corrected by refunds; what each balie
collected, on the page and in the CSV export."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cardsystems.models import AuditEntry, Card, FreeBecause, Sale, UitpasPrice, Voucher
from cardsystems.price_selectors import price_of_registration
from cardsystems.sale_services import record_sale, refund_sale
from cardsystems.spreadsheet import amount_cell, text_cell
from passholders.models import Passholder
from tests.conftest import UIDS
from uitpas_site.errors import ErrorCode, UitpasError
from uitpas_site.w3c_dates import BRUSSELS

COLLECTED = "admin:cardsystems_sale_collected"
COLLECTED_CSV = "admin:cardsystems_sale_collected_csv"


def sell(
    demo,
    number: str,
    reason: str,
    *,
    clerk: str = "ann",
    balie=None,
    voucher: str | None = None,
    uid: str = UIDS.pieter,
    at: datetime.datetime | None = None,
) -> Sale:
    """A sale as newCard will record it, at ``at`` (Brussels) when given."""
    card = Card.objects.select_related("card_system").get(uitpas_number=number)
    passholder = Passholder.objects.get(uid=uid)
    voucher_used = Voucher.objects.get(number=voucher) if voucher else None
    price = price_of_registration(
        card_system=card.card_system,
        reason=reason,
        card_type=card.card_type,
        kansenpas=card.kansenpas,
        date_of_birth=passholder.date_of_birth,
        on=timezone.localdate(),
        voucher=voucher_used,
    )
    sale = record_sale(
        user=demo.user(clerk),
        balie=demo.bib_aalst if balie is None else balie,
        passholder=passholder,
        card=card,
        reason=reason,
        voucher=voucher_used,
        price=price,
    )
    if at is not None:
        Sale.objects.filter(pk=sale.pk).update(created_at=at)
        sale.refresh_from_db()
    return sale


def brussels(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BRUSSELS)


# --- Recording -------------------------------------------------------------------------------


def test_a_sale_keeps_what_was_charged_and_the_row_as_it_was(demo):
    sale = sell(demo, "0930000000305", "LOSS_THEFT")
    assert (sale.amount, sale.card_system, sale.balie, sale.clerk_name, sale.kansenstatuut) == (
        Decimal("5.00"),
        demo.aalst,
        demo.bib_aalst,
        "ann",
        False,
    )
    assert sale.free_because == ""
    described = sale.price_text
    row = sale.price
    row.price = Decimal("6.00")
    row.save()
    sale.refresh_from_db()
    assert (sale.amount, sale.price_text) == (Decimal("5.00"), described)
    row.delete()
    sale.refresh_from_db()
    assert (sale.price, sale.amount, sale.price_text) == (None, Decimal("5.00"), described)
    assert "5.00" in described or "5,00" in described


def test_a_free_sale_says_why(demo):
    by_voucher = sell(demo, "0930000000305", "LOSS_THEFT", voucher="1000001")
    by_kansenstatuut = sell(demo, "0930000001113", "OBTAIN_KANSENSTATUUT")
    kansenstatuut_lost = sell(demo, "0930000000206", "LOSS_KANSENSTATUUT")
    no_price = sell(demo, "0930000000404", "OBTAIN_KANSENSTATUUT")
    assert [
        (sale.amount, sale.free_because)
        for sale in (by_voucher, by_kansenstatuut, kansenstatuut_lost, no_price)
    ] == [
        (Decimal("0.00"), FreeBecause.VOUCHER),
        (Decimal("0.00"), FreeBecause.KANSENSTATUUT),
        # 0.00 by the price list, for no voucher and no kansenstatuut: not payment-free.
        (Decimal("0.00"), ""),
        (Decimal("0.00"), ""),
    ]
    assert (no_price.price, no_price.price_snapshot) == (None, None)
    assert no_price.price_text in ("no price set", "geen prijs ingesteld")


def test_an_administrator_without_a_balie_sells_for_no_balie(demo):
    card = Card.objects.get(uitpas_number="0930000000602")
    sale = record_sale(
        user=demo.user("ksb-aalst"),
        balie=None,
        passholder=demo.passholder(UIDS.pieter),
        card=card,
        reason="DEFECT",
        voucher=None,
        price=price_of_registration(
            card_system=demo.aalst,
            reason="DEFECT",
            card_type="CARD",
            kansenpas=False,
            date_of_birth=None,
            on=timezone.localdate(),
        ),
    )
    assert (sale.balie, sale.amount, sale.clerk_name) == (None, Decimal("5.00"), "ksb-aalst")


def test_record_sale_is_one_insert(demo, django_assert_num_queries):
    card = Card.objects.get(uitpas_number="0930000000305")
    price = price_of_registration(
        card_system=demo.aalst,
        reason="LOSS_THEFT",
        card_type="CARD",
        kansenpas=False,
        date_of_birth=None,
        on=timezone.localdate(),
    )
    passholder, clerk = demo.passholder(UIDS.pieter), demo.user("ann")
    with django_assert_num_queries(1):
        record_sale(
            user=clerk,
            balie=demo.bib_aalst,
            passholder=passholder,
            card=card,
            reason="LOSS_THEFT",
            voucher=None,
            price=price,
        )


# --- Never changed; refunds ------------------------------------------------------------------


def test_nobody_changes_or_deletes_a_sale_in_the_admin(demo, admin_as):
    sale = sell(demo, "0930000000305", "LOSS_THEFT")
    superuser = admin_as("admin")
    page = superuser.get(reverse("admin:cardsystems_sale_change", args=[sale.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert (
        superuser.post(reverse("admin:cardsystems_sale_change", args=[sale.pk]), {"amount": "0"}).status_code
        == 403
    )
    assert (
        superuser.post(reverse("admin:cardsystems_sale_delete", args=[sale.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert superuser.get(reverse("admin:cardsystems_sale_add")).status_code == 403
    sale.refresh_from_db()
    assert sale.amount == Decimal("5.00")


def test_an_administrator_refunds_a_sale_on_its_page(demo, admin_as):
    sale = sell(demo, "0930000000305", "LOSS_THEFT")
    ksb = admin_as("ksb-aalst")
    page = ksb.get(reverse("admin:cardsystems_sale_change", args=[sale.pk]))
    assert page.context["may_refund"]
    assert reverse("admin:cardsystems_sale_refund", args=[sale.pk]) in page.content.decode()
    # The clerk who sold it sees no refund button.
    assert (
        not admin_as("ann")
        .get(reverse("admin:cardsystems_sale_change", args=[sale.pk]))
        .context["may_refund"]
    )

    response = ksb.post(
        reverse("admin:cardsystems_sale_refund", args=[sale.pk]),
        {"amount": "3.00", "reason": "Charged as an adult"},
    )
    assert response.status_code == 302
    refund = Sale.objects.get(refunded_sale=sale)
    assert (refund.amount, refund.balie, refund.clerk_name, refund.reason, refund.refund_reason) == (
        Decimal("-3.00"),
        demo.bib_aalst,
        "ksb-aalst",
        "LOSS_THEFT",
        "Charged as an adult",
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SALE_REFUNDED)
    assert (entry.username, entry.balie, entry.card_system, entry.object_id) == (
        "ksb-aalst",
        demo.bib_aalst,
        demo.aalst,
        str(sale.pk),
    )
    assert entry.changes == {"refund": [None, "-3.00"], "reason": [None, "Charged as an adult"]}
    assert not ksb.get(reverse("admin:cardsystems_sale_change", args=[sale.pk])).context["may_refund"]


@pytest.mark.parametrize(
    "who, amount, reason, code",
    [
        ("ann", None, "x", ErrorCode.ACCESS_DENIED),
        ("ksb-aalst", None, "  ", ErrorCode.MISSING_REQUIRED_FIELDS),
        ("ksb-aalst", Decimal("5.01"), "x", ErrorCode.INVALID_PARAMETERS),
        ("ksb-aalst", Decimal("0.00"), "x", ErrorCode.INVALID_PARAMETERS),
    ],
    ids=["a clerk", "no reason", "more than was charged", "nothing"],
)
def test_refusals_of_a_refund(demo, who, amount, reason, code):
    sale = sell(demo, "0930000000305", "LOSS_THEFT")
    with pytest.raises(UitpasError) as refused:
        refund_sale(user=demo.user(who), sale_id=sale.pk, amount=amount, reason=reason)
    assert refused.value.code == code
    assert not Sale.objects.filter(refunded_sale=sale).exists()


def test_a_sale_is_refunded_once_and_a_refund_never(demo):
    sale = sell(demo, "0930000000305", "LOSS_THEFT")
    ksb = demo.user("ksb-aalst")
    refund = refund_sale(user=ksb, sale_id=sale.pk, amount=None, reason="wrong card")
    assert refund.amount == Decimal("-5.00")
    with pytest.raises(UitpasError) as twice:
        refund_sale(user=ksb, sale_id=sale.pk, amount=None, reason="again")
    assert twice.value.code == ErrorCode.ACTION_FAILED
    with pytest.raises(UitpasError) as of_a_refund:
        refund_sale(user=demo.user("admin"), sale_id=refund.pk, amount=None, reason="x")
    assert of_a_refund.value.code == ErrorCode.INVALID_PARAMETERS
    # Gent's administrator would be... there is none in the demo: a Gent sale is not Aalst's.
    gent_sale = sell(demo, "0945000000204", "DEFECT", clerk="greet", balie=demo.bib_gent, uid=UIDS.marc)
    with pytest.raises(UitpasError) as elsewhere:
        refund_sale(user=ksb, sale_id=gent_sale.pk, amount=None, reason="x")
    assert elsewhere.value.code == ErrorCode.ACCESS_DENIED


def test_the_database_holds_the_rules_of_a_refund(demo):
    sale = sell(demo, "0930000000305", "LOSS_THEFT")
    fields = {
        "card_system": sale.card_system,
        "passholder": sale.passholder,
        "card": sale.card,
        "reason": sale.reason,
        "kansenstatuut": False,
    }
    for wrong in (
        {"amount": Decimal("1.00"), "refunded_sale": sale, "refund_reason": "positive"},
        {"amount": Decimal("-1.00"), "refunded_sale": sale, "refund_reason": ""},
        {"amount": Decimal("-1.00")},
        {"amount": Decimal("1.00"), "free_because": FreeBecause.VOUCHER},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Sale.objects.create(**fields, **wrong)
    Sale.objects.create(**fields, amount=Decimal("-1.00"), refunded_sale=sale, refund_reason="once")
    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.create(**fields, amount=Decimal("-1.00"), refunded_sale=sale, refund_reason="twice")


# --- What each balie collected ---------------------------------------------------------------


@pytest.fixture
def a_day_of_sales(demo):
    """Bibliotheek Aalst's sales: three today (5.00, and two free: by voucher, by
    kansenstatuut), one yesterday (2.00, refunded today), a kansenpas last week (1.00);
    one at CC De Werf today (5.00)."""
    today = timezone.localdate()
    sell(demo, "0930000000305", "LOSS_THEFT", at=brussels(today, 9))
    sell(demo, "0930000000206", "LOSS_THEFT", voucher="1000001", at=brussels(today, 10))
    sell(demo, "0930000001113", "OBTAIN_KANSENSTATUUT", at=brussels(today, 11))
    yesterday = sell(
        demo, "0930000000404", "CARD_UPGRADE", at=brussels(today - datetime.timedelta(days=1), 23, 30)
    )
    refund = refund_sale(
        user=demo.user("ksb-aalst"), sale_id=yesterday.pk, amount=None, reason="=cmd|' /C calc'!A0"
    )
    Sale.objects.filter(pk=refund.pk).update(created_at=brussels(today, 12))
    sell(demo, "0930000001212", "DEFECT", at=brussels(today - datetime.timedelta(days=7), 12))
    sell(demo, "0930000000503", "DEFECT", clerk="bert", balie=demo.de_werf, at=brussels(today, 9))
    return today


def test_the_page_totals_equal_the_sum_of_the_sales(demo, admin_as, a_day_of_sales):
    page = admin_as("ann").get(reverse(COLLECTED))
    assert page.status_code == 200
    context = page.context
    assert (context["balie"], context["first_day"], context["last_day"]) == (
        demo.bib_aalst,
        a_day_of_sales,
        a_day_of_sales,
    )
    listed = [sale for sale, _refundable in context["sales"]]
    assert len(listed) == 4  # three sales today and today's refund of yesterday's
    assert context["total"].amount == sum(sale.amount for sale in listed) == Decimal("3.00")
    assert (context["total"].sales, context["total"].refunds) == (3, 1)
    assert (context["total"].free_by_voucher, context["total"].free_by_kansenstatuut) == (1, 1)
    per_reason = {line.reason: line.totals for line in context["per_reason"]}
    assert {reason: totals.amount for reason, totals in per_reason.items()} == {
        "LOSS_THEFT": Decimal("5.00"),
        "OBTAIN_KANSENSTATUUT": Decimal("0.00"),
        "CARD_UPGRADE": Decimal("-2.00"),
    }
    for reason, totals in per_reason.items():
        assert totals.amount == sum(sale.amount for sale in listed if sale.reason == reason)
    html = page.content.decode()
    assert "€ 3,00" in html


def test_a_period_and_brussels_days(demo, admin_as, a_day_of_sales):
    yesterday = a_day_of_sales - datetime.timedelta(days=1)
    # 23:30 in Brussels is yesterday, although it is today in some other time zone.
    page = admin_as("ann").get(
        reverse(COLLECTED), {"first_day": yesterday.isoformat(), "last_day": yesterday.isoformat()}
    )
    assert [sale.reason for sale, _refundable in page.context["sales"]] == ["CARD_UPGRADE"]
    assert page.context["total"].amount == Decimal("2.00")
    week = admin_as("ann").get(
        reverse(COLLECTED),
        {
            "first_day": (a_day_of_sales - datetime.timedelta(days=7)).isoformat(),
            "last_day": a_day_of_sales.isoformat(),
        },
    )
    assert (
        week.context["total"].amount
        == sum(sale.amount for sale, _refundable in week.context["sales"])
        == Decimal("6.00")
    )
    assert week.context["total"].sales == 5


def test_the_chart_shows_thirty_days(demo, admin_as, a_day_of_sales):
    page = admin_as("ann").get(reverse(COLLECTED))
    chart = page.context["chart"]
    assert len(chart.bars) == 30 and chart.bars[-1].day == a_day_of_sales
    heights = {bar.day: bar.height for bar in chart.bars}
    assert (
        heights[a_day_of_sales]
        == max(heights.values())
        == 3 * heights[a_day_of_sales - datetime.timedelta(days=7)]
    )
    assert (
        heights[a_day_of_sales - datetime.timedelta(days=1)]
        == 2 * heights[a_day_of_sales - datetime.timedelta(days=7)]
    )
    assert heights[a_day_of_sales - datetime.timedelta(days=2)] == 0
    html = page.content.decode()
    svg = html[html.index('<svg class="sales-chart"') :]
    svg = svg[: svg.index("</svg>")]
    # Coordinates are written with a point, whatever the language of the page.
    assert 'viewBox="0 0 900 180"' in svg and "," not in svg.split("<title>")[0]
    assert "style=" not in svg and "<script" not in html.split('id="collected"')[1]


def test_who_sees_which_balie(demo, admin_as, a_day_of_sales):
    ann = admin_as("ann")
    offered = ann.get(reverse(COLLECTED)).context["form"].fields["balie"].choices
    assert [name for _, name in offered] == ["Bibliotheek Aalst", "Toneelvereniging Haaltert"]
    refused = ann.get(reverse(COLLECTED), {"balie": demo.de_werf.pk})
    assert refused.context["form"].errors and "sales" not in refused.context
    ksb = admin_as("ksb-aalst").get(reverse(COLLECTED), {"balie": demo.de_werf.pk})
    assert ksb.context["total"].amount == Decimal("5.00")
    choices = [value for value, _ in ksb.context["form"].fields["balie"].choices]
    assert choices[-1] == "none" and str(demo.bib_gent.pk) not in choices
    assert admin_as("greet").get(reverse(COLLECTED), {"balie": demo.bib_aalst.pk}).context["form"].errors
    assert admin_as("admin").get(reverse(COLLECTED), {"balie": demo.bib_gent.pk}).status_code == 200


def test_an_administrator_sees_only_their_card_systems_sales_at_a_shared_balie(
    demo, admin_as, a_day_of_sales
):
    demo.de_werf.card_systems.add(demo.gent)
    sell(
        demo,
        "0945000000204",
        "DEFECT",
        clerk="bert",
        balie=demo.de_werf,
        uid=UIDS.marc,
        at=brussels(a_day_of_sales, 10),
    )
    for who, amount in (
        ("ksb-aalst", Decimal("5.00")),
        ("bert", Decimal("12.00")),
        ("admin", Decimal("12.00")),
    ):
        page = admin_as(who).get(reverse(COLLECTED), {"balie": demo.de_werf.pk})
        assert page.context["total"].amount == amount, who


@pytest.mark.parametrize(
    "query",
    [
        {"first_day": "9999-12-31", "last_day": "9999-12-31"},
        {"first_day": "0001-01-01", "last_day": "0001-01-01"},
        {"first_day": "2026-02-30"},
        {"first_day": "2026-05-02", "last_day": "2026-05-01"},
        {"first_day": "2024-01-01", "last_day": "2026-01-01"},
        {"balie": "\x00"},
        {"balie": "abc"},
    ],
)
def test_days_and_balies_the_page_does_not_offer_are_form_errors(demo, admin_as, query):
    for name in (COLLECTED, COLLECTED_CSV):
        response = admin_as("ksb-aalst").get(reverse(name), query)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert response.context["form"].errors and "sales" not in response.context


def test_the_page_costs_the_same_at_many_sales(demo, admin_as, a_day_of_sales):
    def queries() -> int:
        client = admin_as("ann")
        client.get(reverse(COLLECTED))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(COLLECTED)).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(30):
        sell(demo, "0930000000305", "LOSS_THEFT", at=brussels(a_day_of_sales, 12))
    assert queries() == few


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_csv_export_in_dutch(demo, admin_as, a_day_of_sales):
    page = admin_as("ann").get(reverse(COLLECTED))
    response = admin_as("ann").get(page.context["csv_url"])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"sales-bibliotheek-aalst-{a_day_of_sales.isoformat()}.csv" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[0] == "wanneer" and len(header) == 12
    amount = header.index("bedrag (euro)")
    assert [row[amount] for row in rows] == ["5,00", "0,00", "0,00", "-2,00"]
    # Amounts are numbers a spreadsheet reads; their sum is the page's total.
    assert sum(Decimal(row[amount].replace(",", ".")) for row in rows) == page.context["total"].amount
    # A text cell never starts like a formula; the refund's reason did.
    assert rows[-1][-1] == "'=cmd|' /C calc'!A0"
    starts = ("=", "+", "-", "@")
    assert not [
        cell for row in rows for index, cell in enumerate(row) if index != amount and cell.startswith(starts)
    ]
    assert rows[1][header.index("voucher")] == "1000001"


def test_the_csv_export_in_english_writes_a_decimal_point(demo, admin_as, a_day_of_sales):
    response = admin_as("ann").get(reverse(COLLECTED_CSV), headers={"Accept-Language": "en"})
    header, *rows = csv_rows(response)
    assert header[0] == "when"
    assert [row[header.index("amount (euro)")] for row in rows] == ["5.00", "0.00", "0.00", "-2.00"]


def test_names_that_look_like_formulas_are_written_as_text(demo, admin_as):
    Passholder.objects.filter(uid=UIDS.pieter).update(first_name="+32", name="@SUM(A1)")
    sell(demo, "0930000000305", "LOSS_THEFT")
    header, row = csv_rows(admin_as("ann").get(reverse(COLLECTED_CSV)))
    assert row[header.index("pashouder")] == "'+32 @SUM(A1)"


@pytest.mark.parametrize(
    "text, cell",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("Ann", "Ann"),
        ("", ""),
    ],
)
def test_text_cells(text, cell):
    assert text_cell(text) == cell


def test_amount_cells():
    assert amount_cell(Decimal("-5"), ",") == "-5,00"
    assert amount_cell(Decimal("1234.5"), ".") == "1234.50"


def test_the_sales_list_is_scoped_like_the_page(demo, admin_as, a_day_of_sales):
    listed = admin_as("ann").get(reverse("admin:cardsystems_sale_changelist")).context["cl"].result_list
    assert {sale.balie for sale in listed} == {demo.bib_aalst}
    listed = admin_as("ksb-aalst").get(reverse("admin:cardsystems_sale_changelist")).context["cl"].result_list
    assert {sale.balie for sale in listed} == {demo.bib_aalst, demo.de_werf}
    assert (
        admin_as("greet").get(reverse("admin:cardsystems_sale_changelist")).context["cl"].result_list.count()
        == 0
    )
    assert UitpasPrice.objects.exists()

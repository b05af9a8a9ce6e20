"""Stock operations in the audit log: each one, from any door (the admin, the commands,
the API), writes one entry with its count and its range of numbers, who did it and for
which balie; a million cards are still one entry; a refused or only checked operation
writes none."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from cardsystems import services
from cardsystems.models import AuditEntry, CardStatus
from tests.conftest import KEYS
from tests.factories import CardFactory
from tests.stock import aalst_number, ids_of
from uitpas_site.errors import UitpasError

CHANGELIST = reverse("admin:cardsystems_card_changelist")


@pytest.fixture
def new_entries(demo):
    first_new = (AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    return lambda: list(AuditEntry.objects.filter(id__gte=first_new).order_by("id"))


def summary(entry: AuditEntry) -> tuple:
    return (
        entry.action,
        entry.card_system.name,
        entry.username,
        entry.balie_name,
        entry.card_count,
        entry.object_repr,
        entry.changes,
    )


def confirm_action(client, action: str, numbers: list[str], **extra):
    return client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: ids_of(*numbers), "confirm": "yes", **extra}
    )


def test_generating_in_the_admin(demo, admin_as, new_entries):
    admin_as("ksb-aalst").post(
        reverse("admin:cardsystems_card_generate"),
        {"card_system": demo.aalst.pk, "count": 3, "card_type": "CARD"},
    )
    first, last = aalst_number(568789), aalst_number(568791)
    assert [summary(entry) for entry in new_entries()] == [
        (
            "CARDS_GENERATED",
            "UiTPAS Regio Aalst",
            "ksb-aalst",
            "",
            3,
            f"{first} – {last}",
            {"status": [None, "PROVISIONED"]},
        )
    ]


def test_importing_with_the_command(demo, tmp_path, new_entries):
    CardFactory(card_system=demo.aalst, serial=700000, status=CardStatus.PROVISIONED, chip_number=None)
    supplier = tmp_path / "chips.csv"
    supplier.write_text(f'"04E1";"0930000000909"\n"04E2";"{aalst_number(700000)}"\n')
    call_command(
        "import_cards",
        "--card-system",
        "UiTPAS Regio Aalst",
        str(supplier),
        "--apply",
        "--user",
        "ksb-aalst",
        stdout=io.StringIO(),
    )
    assert [summary(entry) for entry in new_entries()] == [
        (
            "CARDS_IMPORTED",
            "UiTPAS Regio Aalst",
            "ksb-aalst",
            "",
            2,
            f"0930000000909 – {aalst_number(700000)}",
            {"status": ["PROVISIONED", "STOCK"]},
        )
    ]


def test_the_command_line_acts_as_nobody_in_particular(demo, new_entries):
    call_command("generate_cards", "--card-system", "UiTPAS Gent", "--count", "2", stdout=io.StringIO())
    [entry] = new_entries()
    assert (entry.action, entry.user, entry.username, entry.card_count) == ("CARDS_GENERATED", None, "", 2)


def test_sending_confirming_and_returning_in_the_admin_name_the_balie(demo, admin_as, new_entries):
    cards = CardFactory.create_batch(3, card_system=demo.aalst, status=CardStatus.STOCK)
    numbers = sorted(card.uitpas_number for card in cards)
    confirm_action(admin_as("ksb-aalst"), "send_to_balie", numbers, balie=demo.bib_aalst.pk)
    confirm_action(admin_as("ann"), "confirm_arrival", numbers[:2])
    confirm_action(admin_as("ksb-aalst"), "return_to_stock", numbers)
    span = f"{numbers[0]} – {numbers[-1]}"
    assert [summary(entry) for entry in new_entries()] == [
        (
            "CARDS_SENT",
            "UiTPAS Regio Aalst",
            "ksb-aalst",
            "Bibliotheek Aalst",
            3,
            span,
            {"status": ["STOCK", "SENT_TO_BALIE"]},
        ),
        (
            "ARRIVAL_CONFIRMED",
            "UiTPAS Regio Aalst",
            "ann",
            "Bibliotheek Aalst",
            2,
            f"{numbers[0]} – {numbers[1]}",
            {"status": ["SENT_TO_BALIE", "LOCAL_STOCK"]},
        ),
        (
            "CARDS_RETURNED",
            "UiTPAS Regio Aalst",
            "ksb-aalst",
            "Bibliotheek Aalst",
            3,
            span,
            {"status": ["LOCAL_STOCK,SENT_TO_BALIE", "STOCK"]},
        ),
    ]


def test_deleting_and_blocking_in_the_admin(demo, admin_as, new_entries):
    confirm_action(admin_as("ksb-aalst"), "delete_cards", ["0930000000909", "0930000000800"])
    confirm_action(admin_as("ksb-aalst"), "block_cards", ["0930056878802"])
    assert [summary(entry) for entry in new_entries()] == [
        (
            "CARDS_DELETED",
            "UiTPAS Regio Aalst",
            "ksb-aalst",
            "",
            2,
            "0930000000800 – 0930000000909",
            {"status": ["PROVISIONED,STOCK", "DELETED"]},
        ),
        (
            "CARDS_BLOCKED",
            "UiTPAS Regio Aalst",
            "ksb-aalst",
            "",
            1,
            "0930056878802",
            {"status": ["ACTIVE", "BLOCKED"]},
        ),
    ]


def test_blocking_through_the_api_names_the_balie_acted_for(demo, api_as, new_entries):
    api_as("ann").post("/uitpas/passholder/block/0930056878802", {"balieConsumerKey": KEYS.bib_aalst})
    # (Making ann's token is in the log too.)
    assert [summary(entry) for entry in new_entries() if entry.action != "TOKEN_CREATED"] == [
        (
            "CARDS_BLOCKED",
            "UiTPAS Regio Aalst",
            "ann",
            "Bibliotheek Aalst",
            1,
            "0930056878802",
            {"status": ["ACTIVE", "BLOCKED"]},
        )
    ]


def test_an_operation_over_two_card_systems_is_recorded_in_each(demo, new_entries):
    services.block_cards(user=demo.user("admin"), card_ids=ids_of("0930056878802", "0945000000105"))
    assert [(entry.card_system, entry.card_count, entry.object_repr) for entry in new_entries()] == [
        (demo.aalst, 1, "0930056878802"),
        (demo.gent, 1, "0945000000105"),
    ]


def test_a_refused_or_checked_operation_writes_nothing(demo, new_entries):
    admin = demo.user("ksb-aalst")
    services.delete_cards(user=admin, card_ids=ids_of("0930000000909"), check_only=True)
    with pytest.raises(UitpasError):
        services.delete_cards(user=admin, card_ids=ids_of("0930000000909", "0930000000107"))
    with pytest.raises(UitpasError):
        services.block_cards(user=demo.user("ksb-aalst"), card_ids=ids_of("0945000000105"))
    assert new_entries() == []


def test_many_cards_are_one_entry(demo, new_entries, django_assert_max_num_queries):
    # Beyond one batch of the jobs (5,000 cards): still one entry, written once.
    batch = services.generate_cards(user=demo.user("ksb-aalst"), card_system=demo.aalst, count=12_000)
    with django_assert_max_num_queries(30):
        services.delete_cards(
            user=demo.user("ksb-aalst"),
            card_ids=list(
                demo.aalst.cards.filter(
                    uitpas_number__range=(batch.first_number, batch.last_number)
                ).values_list("pk", flat=True)
            ),
        )
    assert [(entry.action, entry.card_count) for entry in new_entries()] == [
        ("CARDS_GENERATED", 12_000),
        ("CARDS_DELETED", 12_000),
    ]


def test_the_log_reads_a_stock_operation_in_words(demo, admin_as, new_entries):
    cards = CardFactory.create_batch(2, card_system=demo.aalst, status=CardStatus.STOCK)
    numbers = sorted(card.uitpas_number for card in cards)
    confirm_action(admin_as("ksb-aalst"), "send_to_balie", numbers, balie=demo.de_werf.pk)
    [entry] = new_entries()
    with translation.override("nl"):
        assert entry.object_in_words == f"2 kaarten: {numbers[0]} – {numbers[1]}"
        assert [(c.label, c.before, c.after) for c in entry.changes_in_words()] == [
            ("status", "centrale voorraad", "verzonden naar balie")
        ]
        assert str(entry.get_action_display()) == "kaarten naar een balie verstuurd"
    page = admin_as("ksb-aalst").get("/admin/cardsystems/auditentry/", headers={"Accept-Language": "nl"})
    assert f"2 kaarten: {numbers[0]} – {numbers[1]}" in page.content.decode()

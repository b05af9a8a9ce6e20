"""How stock changes lock on PostgreSQL, where they run beside newCard and each other:
no deadlock error, no needless wait and no unique-index failure reaches the
administrator."""

import logging
import threading
import time

import pytest
from django.db import connection, transaction

from cardsystems import services
from cardsystems.models import Card, CardStatus
from tests.live.threads import started
from tests.stock import ids_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Pieter's and Tom's cards, both ACTIVE in the demo data.
FIRST, SECOND = "0930056878802", "0930000001717"


def test_a_stock_change_chosen_as_deadlock_victim_runs_again(demo, caplog):
    """The administrator blocks two cards (locked by id) while another transaction holds
    the second and then wants the first, as newCard does with its new and old card."""
    first_id, second_id = sorted(ids_of(FIRST, SECOND))
    holding_second = threading.Event()

    def newcard_like_order():
        with transaction.atomic():
            # This side waits long before it looks for deadlocks, so PostgreSQL's check
            # runs in the administrator's transaction and picks it as victim.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '20s'")
            Card.objects.select_for_update().get(pk=second_id)
            holding_second.set()
            time.sleep(0.5)  # the administrator now holds the first card and waits
            Card.objects.select_for_update().get(pk=first_id)

    other, errors = started(newcard_like_order)
    assert holding_second.wait(timeout=10)
    with caplog.at_level(logging.WARNING, logger="uitpas.transactions"):
        change = services.block_cards(user=demo.user("ksb-aalst"), card_ids=[first_id, second_id])
    other.join(timeout=30)

    assert errors == []
    assert change.count == 2
    assert any("block_cards: retrying after" in record.getMessage() for record in caplog.records)
    assert set(Card.objects.filter(pk__in=[first_id, second_id]).values_list("status", flat=True)) == {
        CardStatus.BLOCKED
    }


def test_the_import_does_not_wait_for_cards_it_cannot_import(demo):
    """A file that names an ACTIVE card is refused at once, even while a newCard holds
    that card: the import locks its card system, not the cards the file names."""
    holding = threading.Event()
    release = threading.Event()

    def hold_the_card():
        with transaction.atomic():
            Card.objects.select_for_update().get(uitpas_number=FIRST)
            holding.set()
            release.wait(timeout=30)

    holder, errors = started(hold_the_card)
    assert holding.wait(timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait fails the test, not hangs it
        with pytest.raises(services.CardImportRefused) as refused:
            services.import_cards(
                user=demo.user("ksb-aalst"),
                card_system=demo.aalst,
                lines=[f'"04C0001";"{FIRST}"', '"04C0002";"0930000000909"'],
            )
    finally:
        release.set()
        holder.join(timeout=30)
    assert errors == []
    assert [(problem.line, problem.code) for problem in refused.value.preview.problems] == [
        (1, "INVALID_CARD_STATUS")
    ]
    assert Card.objects.get(uitpas_number="0930000000909").status == CardStatus.PROVISIONED


def test_imports_into_two_card_systems_take_turns_on_a_chip_number(demo):
    """Two suppliers' files with the same chip number, imported into Aalst and Gent at
    once: the first wins, the second lists the chip as taken (not a database error)."""
    gent_number = services.generate_cards(
        user=demo.user("admin"), card_system=demo.gent, count=1
    ).first_number
    aalst_imported = threading.Event()
    commit = threading.Event()

    def import_into_aalst():
        with transaction.atomic():  # held open until the Gent import has started
            services.import_cards(
                user=demo.user("ksb-aalst"), card_system=demo.aalst, lines=['"04C0FFEE";"0930000000909"']
            )
            aalst_imported.set()
            commit.wait(timeout=30)

    aalst, errors = started(import_into_aalst)
    assert aalst_imported.wait(timeout=10)
    threading.Timer(1.0, commit.set).start()  # the Gent import is waiting by then
    with pytest.raises(services.CardImportRefused) as refused:
        services.import_cards(
            user=demo.user("admin"), card_system=demo.gent, lines=[f'"04C0FFEE";"{gent_number}"']
        )
    aalst.join(timeout=30)

    assert errors == []
    assert [(problem.line, problem.code) for problem in refused.value.preview.problems] == [
        (1, "INVALID_PARAMETERS")
    ]
    assert Card.objects.get(chip_number="04C0FFEE").uitpas_number == "0930000000909"
    assert Card.objects.get(uitpas_number=gent_number).status == CardStatus.PROVISIONED

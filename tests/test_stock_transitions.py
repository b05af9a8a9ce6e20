"""The stock transitions on chosen cards (send, confirm arrival, return, delete, block),
on the demo data: each change with its history, and each refusal changing nothing."""

import pytest
from guardian.shortcuts import assign_perm

from cardsystems import services
from cardsystems.lifecycle import Transition
from cardsystems.models import Card, CardHistory, CardStatus, CardSystem
from cardsystems.permissions import CardSystemPermission as Perm
from passholders.services import register_new_card
from tests.conftest import KEYS, UIDS
from tests.factories import CardFactory
from tests.stock import aalst_number, ids_of, last_history, refusal, stock_state

ADMIN_TRANSITIONS = {
    Transition.SEND_TO_BALIE: lambda demo, user, ids: services.send_cards_to_balie(
        user=user, card_ids=ids, balie=demo.bib_aalst
    ),
    Transition.CONFIRM_ARRIVAL: lambda demo, user, ids: services.confirm_arrival(user=user, card_ids=ids),
    Transition.RETURN_TO_STOCK: lambda demo, user, ids: services.return_to_stock(user=user, card_ids=ids),
    Transition.DELETE: lambda demo, user, ids: services.delete_cards(user=user, card_ids=ids),
    Transition.BLOCK: lambda demo, user, ids: services.block_cards(user=user, card_ids=ids),
}

# One Aalst card of the demo data in each status.
CARD_IN = {
    CardStatus.PROVISIONED: "0930000000909",
    CardStatus.STOCK: "0930000000800",
    CardStatus.SENT_TO_BALIE: "0930000000701",
    CardStatus.LOCAL_STOCK: "0930000000107",
    CardStatus.ACTIVE: "0930056878802",
    CardStatus.BLOCKED: "0930000002004",
}


@pytest.mark.parametrize("transition", list(ADMIN_TRANSITIONS))
@pytest.mark.parametrize("status", list(CARD_IN))
def test_each_transition_takes_exactly_the_statuses_of_the_lifecycle_table(demo, transition, status):
    change = ADMIN_TRANSITIONS[transition]
    card = demo.card(CARD_IN[status])
    if transition.allows(status):
        result = change(demo, demo.user("ksb-aalst"), [card.pk])
        card.refresh_from_db()
        assert (result.count, card.status) == (1, transition.target)
        history = last_history(card.uitpas_number)
        assert (history.from_status, history.to_status, history.reason) == (
            status,
            transition.target,
            transition.reason,
        )
        assert history.user == demo.user("ksb-aalst")
    else:
        error = refusal(lambda: change(demo, demo.user("ksb-aalst"), [card.pk]))
        assert error.code == "INVALID_CARD_STATUS"


def test_the_lifecycle_table_is_the_domain_files():
    """Written out, not read from lifecycle.py: the test above trusts this table."""
    assert {transition.name: (set(transition.sources), transition.target) for transition in Transition} == {
        "GENERATE": (set(), "PROVISIONED"),
        "IMPORT": ({"PROVISIONED"}, "STOCK"),
        "SEND_TO_BALIE": ({"STOCK"}, "SENT_TO_BALIE"),
        "CONFIRM_ARRIVAL": ({"SENT_TO_BALIE"}, "LOCAL_STOCK"),
        "RETURN_TO_STOCK": ({"SENT_TO_BALIE", "LOCAL_STOCK"}, "STOCK"),
        "DELETE": ({"PROVISIONED", "STOCK"}, "DELETED"),
        "ISSUE": ({"LOCAL_STOCK"}, "ACTIVE"),
        "BLOCK": ({"ACTIVE"}, "BLOCKED"),
    }


def test_sending_puts_the_cards_in_the_balies_stock(demo):
    [card] = ids_of("0930000000800")
    services.send_cards_to_balie(user=demo.user("ksb-aalst"), card_ids=[card], balie=demo.de_werf)
    card = demo.card("0930000000800")
    assert (card.status, card.balie) == (CardStatus.SENT_TO_BALIE, demo.de_werf)
    assert last_history(card.uitpas_number).balie == demo.de_werf


def test_one_card_that_cannot_go_refuses_the_whole_selection(demo):
    stock = CardFactory.create_batch(3, card_system=demo.aalst, status=CardStatus.STOCK)
    selection = [card.pk for card in stock] + ids_of("0930000000107")
    error = refusal(
        lambda: services.send_cards_to_balie(
            user=demo.user("ksb-aalst"), card_ids=selection, balie=demo.bib_aalst
        )
    )
    assert error.code == "INVALID_CARD_STATUS"
    assert "0930000000107 (LOCAL_STOCK)" in str(error.message)


@pytest.mark.parametrize(
    ("balie", "required"),
    [
        ("toneel", "PERMISSION_PASSHOLDER - ACTION_CREATE"),  # of Aalst, but registers nobody
        ("bib_gent", "PERMISSION_PASSHOLDER - ACTION_CREATE"),  # of another card system
    ],
)
def test_cards_go_only_to_balies_that_register_passholders_in_their_card_system(demo, balie, required):
    [card] = ids_of("0930000000800")
    error = refusal(
        lambda: services.send_cards_to_balie(
            user=demo.user("ksb-aalst"), card_ids=[card], balie=getattr(demo, balie)
        )
    )
    assert (error.code, error.required_permission, error.field) == ("ACCESS_DENIED", required, "balie")


def test_kansenpas_cards_go_only_to_balies_that_grant_kansenstatuut(demo):
    kansenpas = CardFactory(card_system=demo.aalst, status=CardStatus.STOCK, kansenpas_card=True)
    ksb = demo.user("ksb-aalst")
    error = refusal(
        lambda: services.send_cards_to_balie(user=ksb, card_ids=[kansenpas.pk], balie=demo.de_werf)
    )
    assert (error.code, error.required_permission) == (
        "ACCESS_DENIED",
        "PERMISSION_KANSENSTATUUT - ACTION_CREATE",
    )
    services.send_cards_to_balie(user=ksb, card_ids=[kansenpas.pk], balie=demo.bib_aalst)
    kansenpas.refresh_from_db()
    assert kansenpas.status == CardStatus.SENT_TO_BALIE


def test_the_kansenstatuut_right_must_be_held_in_the_cards_own_card_system(demo):
    # CC De Werf may grant kansenstatuut in Gent, not in Aalst.
    demo.de_werf.card_systems.add(demo.gent)
    assign_perm(Perm.KANSENSTATUUT_CREATE.full_name, demo.de_werf.permission_group, demo.gent)
    kansenpas = CardFactory(card_system=demo.aalst, status=CardStatus.STOCK, kansenpas_card=True)
    error = refusal(
        lambda: services.send_cards_to_balie(
            user=demo.user("ksb-aalst"), card_ids=[kansenpas.pk], balie=demo.de_werf
        )
    )
    assert (error.code, error.required_permission) == (
        "ACCESS_DENIED",
        "PERMISSION_KANSENSTATUUT - ACTION_CREATE",
    )


@pytest.mark.parametrize("username", ["ann", "bert", "greet"])
def test_only_administrators_manage_the_stock(demo, username):
    for change in (services.return_to_stock, services.delete_cards, services.block_cards):
        error = refusal(
            lambda change=change: change(user=demo.user(username), card_ids=ids_of("0930000000800"))
        )
        assert (error.code, error.required_permission) == (
            "ACCESS_DENIED",
            "PERMISSION_STOCK - ACTION_MANAGE",
        )


def test_an_administrator_manages_only_the_card_systems_of_their_right(demo):
    error = refusal(
        lambda: services.delete_cards(
            user=demo.user("ksb-aalst"), card_ids=ids_of("0930000000800", "0945000000204")
        )
    )
    assert error.code == "ACCESS_DENIED"
    assert "UiTPAS Gent" in str(error.message)


def test_a_superuser_manages_every_card_system(demo):
    gent_card = CardFactory(card_system=demo.gent, status=CardStatus.STOCK)
    services.delete_cards(user=demo.user("admin"), card_ids=[gent_card.pk, *ids_of("0930000000800")])
    assert set(Card.objects.filter(status=CardStatus.DELETED).values_list("uitpas_number", flat=True)) == {
        gent_card.uitpas_number,
        "0930000000800",
    }


def test_staff_of_the_receiving_balie_confirm_the_arrival(demo):
    [sent] = ids_of("0930000000701")  # sent to Bibliotheek Aalst
    error = refusal(lambda: services.confirm_arrival(user=demo.user("bert"), card_ids=[sent]))
    assert error.code == "ACCESS_DENIED"
    services.confirm_arrival(user=demo.user("ann"), card_ids=[sent])
    card = demo.card("0930000000701")
    assert (card.status, card.balie) == (CardStatus.LOCAL_STOCK, demo.bib_aalst)
    history = last_history(card.uitpas_number)
    assert (history.reason, history.user, history.balie) == (
        "ARRIVAL_CONFIRMED",
        demo.user("ann"),
        demo.bib_aalst,
    )


def test_returning_takes_cards_back_from_a_balie_whether_arrived_or_not(demo):
    services.return_to_stock(user=demo.user("ksb-aalst"), card_ids=ids_of("0930000000701", "0930000000107"))
    for number, was in (("0930000000701", "SENT_TO_BALIE"), ("0930000000107", "LOCAL_STOCK")):
        card = demo.card(number)
        assert (card.status, card.balie) == (CardStatus.STOCK, None)
        history = last_history(number)
        assert (history.from_status, history.to_status, history.balie) == (was, "STOCK", demo.bib_aalst)


def test_a_deleted_card_keeps_its_number_taken(demo):
    services.delete_cards(user=demo.user("ksb-aalst"), card_ids=ids_of("0930000000909"))
    assert demo.card("0930000000909").status == CardStatus.DELETED


def test_blocking_keeps_the_holder(demo):
    services.block_cards(user=demo.user("ksb-aalst"), card_ids=ids_of("0930056878802"))
    card = demo.card("0930056878802")
    assert (card.status, card.passholder) == (CardStatus.BLOCKED, demo.passholder(UIDS.pieter))


def test_unknown_cards_and_an_empty_selection_are_refused(demo):
    assert refusal(lambda: services.delete_cards(user=demo.user("admin"), card_ids=[])).code == (
        "MISSING_REQUIRED_FIELDS"
    )
    assert (
        refusal(lambda: services.delete_cards(user=demo.user("admin"), card_ids=[10**9])).code
        == "UNKNOWN_CARD"
    )


def test_a_check_changes_nothing_and_says_how_many_cards_would_change(demo):
    before = stock_state()
    result = services.return_to_stock(
        user=demo.user("ksb-aalst"), card_ids=ids_of("0930000000701", "0930000000107"), check_only=True
    )
    assert (result.count, result.first_number, result.last_number) == (2, "0930000000107", "0930000000701")
    assert stock_state() == before


def test_large_selections_are_handled_in_batches(demo, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    cards = CardFactory.create_batch(8, card_system=demo.aalst, status=CardStatus.STOCK)
    services.delete_cards(user=demo.user("ksb-aalst"), card_ids=[card.pk for card in cards])
    assert Card.objects.filter(pk__in=[card.pk for card in cards], status=CardStatus.DELETED).count() == 8
    assert CardHistory.objects.filter(reason="DELETED").count() == 8


def test_a_package_is_fifty_cards_unless_the_card_system_says_otherwise(demo):
    assert CardSystem(name="New").package_size == 50
    assert (demo.aalst.package_size, demo.gent.package_size) == (50, 50)


class TestPackages:
    @pytest.fixture
    def stock(self, demo):
        """Aalst with packages of 3; its central stock: the demo's 0930000000800 and
        cards 600000-600006 (600003 already sent away) and kansenpas cards 600010-600013."""
        demo.aalst.package_size = 3
        demo.aalst.save()
        for serial in range(600000, 600007):
            CardFactory(card_system=demo.aalst, serial=serial, status=CardStatus.STOCK)
        Card.objects.filter(uitpas_number=aalst_number(600003)).update(
            status=CardStatus.SENT_TO_BALIE, balie=demo.de_werf
        )
        for serial in range(600010, 600014):
            CardFactory(card_system=demo.aalst, serial=serial, kansenpas_card=True, status=CardStatus.STOCK)
        return demo

    def send(self, demo, **kwargs):
        arguments = {
            "user": demo.user("ksb-aalst"),
            "card_system": demo.aalst,
            "balie": demo.bib_aalst,
            "kansenpas": False,
        }
        return services.send_packages_to_balie(**arguments | kwargs)

    def test_a_package_is_the_next_consecutive_cards_of_one_kind_in_stock(self, stock):
        result = self.send(stock, packages=2)
        sent = sorted(
            Card.objects.filter(status=CardStatus.SENT_TO_BALIE, balie=stock.bib_aalst).values_list(
                "uitpas_number", flat=True
            )
        )
        assert sent == sorted(
            ["0930000000701", "0930000000800"]
            + [aalst_number(s) for s in (600000, 600001, 600002, 600004, 600005)]
        )
        assert (result.count, result.first_number, result.last_number) == (
            6,
            "0930000000800",
            aalst_number(600005),
        )

    def test_a_package_starts_at_the_number_asked_for(self, stock):
        result = self.send(stock, first_uitpas_number=aalst_number(600002))
        assert (result.first_number, result.last_number) == (aalst_number(600002), aalst_number(600005))

    def test_kansenpas_packages_hold_kansenpas_cards_only(self, stock):
        assert refusal(lambda: self.send(stock, kansenpas=True, balie=stock.de_werf)).code == "ACCESS_DENIED"
        result = self.send(stock, kansenpas=True)
        assert (result.first_number, result.last_number) == (
            aalst_number(600010, True),
            aalst_number(600012, True),
        )

    def test_not_enough_cards_for_the_packages_is_refused(self, stock):
        error = refusal(lambda: self.send(stock, packages=3))
        assert (error.code, error.field) == ("ACTION_FAILED", "packages")
        assert refusal(lambda: self.send(stock, packages=0)).code == "INVALID_PARAMETERS"
        assert refusal(lambda: self.send(stock, first_uitpas_number="0930000000108")).code == (
            "PARSE_INVALID_UITPASNUMBER"
        )

    def test_the_package_size_is_a_setting_of_the_card_system(self, stock):
        stock.aalst.package_size = 5
        stock.aalst.save()
        assert self.send(stock).count == 5


def test_a_card_goes_from_generated_number_to_a_passholder_and_blocked(demo):
    """The whole lifecycle through the services; each card's status is the last row of
    its history all along."""
    ksb = demo.user("ksb-aalst")
    batch = services.generate_cards(user=ksb, card_system=demo.aalst, count=2)
    services.import_cards(
        user=ksb,
        card_system=demo.aalst,
        lines=[f'"04C{n}";"{n}"' for n in (batch.first_number, batch.last_number)],
    )
    ids = ids_of(batch.first_number, batch.last_number)
    services.send_cards_to_balie(user=ksb, card_ids=ids, balie=demo.bib_aalst)
    services.confirm_arrival(user=demo.user("ann"), card_ids=ids)
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="DEFECT",
        uitpas_number=batch.first_number,
        balie_consumer_key=KEYS.bib_aalst,
    )
    services.block_card(
        user=demo.user("ann"), uitpas_number=batch.first_number, balie_consumer_key=KEYS.bib_aalst
    )
    history = list(
        CardHistory.objects.filter(card__uitpas_number=batch.first_number)
        .order_by("created_at", "id")
        .values_list("from_status", "to_status")
    )
    assert history == [
        ("", "PROVISIONED"),
        ("PROVISIONED", "STOCK"),
        ("STOCK", "SENT_TO_BALIE"),
        ("SENT_TO_BALIE", "LOCAL_STOCK"),
        ("LOCAL_STOCK", "ACTIVE"),
        ("ACTIVE", "BLOCKED"),
    ]
    for card in Card.objects.all():
        assert last_history(card.uitpas_number).to_status == card.status, card

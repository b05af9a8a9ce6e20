"""The million-row statements of the stock jobs (``cardsystems.bulk_sql``) are fenced
like the hot path's (``tests/test_prepared_statements.py``):

- each does or gives what the ORM does or gives for the same change or question, on
  the demo data and on generated data (cards in every status, with and without chip,
  balie or passholder; anonymous and signed-in users); a change is made once each way,
  each in a savepoint rolled back, and the rows it leaves are compared;
- its SQL is snapshotted per database in ``tests/sql/`` (``UPDATE_SQL_SNAPSHOTS=1``
  rewrites the snapshots of the database the run uses).
"""

import datetime
import os

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.utils import timezone

from cardsystems import bulk_sql
from cardsystems.models import Card, CardHistory, CardStatus, CardSystem, CardType
from cardsystems.uitpas_numbers import make_uitpas_number
from tests.test_prepared_statements import SNAPSHOTS, generated  # noqa: F401 (the fixture used below)

pytestmark = pytest.mark.usefixtures("generated")

NOW = datetime.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    """One ``now`` for the statements and the ORM's ``auto_now_add`` alike."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def cards() -> list[dict]:
    return list(Card.objects.order_by("pk").values())


def history() -> list[dict]:
    """The history rows, without their ids (each way numbers them on)."""
    rows = CardHistory.objects.order_by("card_id", "from_status", "to_status", "reason", "balie_id")
    return list(
        rows.values("card_id", "from_status", "to_status", "reason", "user_id", "balie_id", "created_at")
    )


def effect(read, change, *args, **kwargs) -> list[dict]:
    """What ``read`` finds after ``change(*args, **kwargs)``, which is then undone."""
    with transaction.atomic():
        change(*args, **kwargs)
        found = read()
        transaction.set_rollback(True)
    return found


def generated_card_system() -> CardSystem:
    return CardSystem.objects.get(number_prefix="09990")


def users(demo):
    return [AnonymousUser(), demo.user("ksb-aalst")]


# Each statement against the ORM ----------------------------------------------------


def test_inserting_cards_is_the_orms_bulk_create(demo):
    card_systems = [demo.aalst, generated_card_system()]
    rows = [
        (
            make_uitpas_number(
                prefix=card_system.number_prefix, serial=80000 + serial, kansenpas=serial % 2 == 0
            ),
            card_system.pk,
            card_type,
            status,
        )
        for serial, (card_system, card_type, status) in enumerate(
            (card_system, card_type, status)
            for card_system in card_systems
            for card_type in CardType.values
            for status in (CardStatus.PROVISIONED, CardStatus.DELETED)  # no chip yet
        )
    ]
    names = ["uitpas_number", "card_system", "card_type", "status"]
    by_sql = effect(cards, bulk_sql.executemany, bulk_sql.insert_sql(Card, names), rows)
    by_orm = effect(
        cards,
        Card.objects.bulk_create,
        [
            Card(uitpas_number=number, card_system_id=card_system, card_type=card_type, status=status)
            for number, card_system, card_type, status in rows
        ],
    )
    assert len(by_sql) == len(cards()) + len(rows)
    assert [_without("id", row) for row in by_sql] == [_without("id", row) for row in by_orm]


NAMES = [
    ["uitpas_number", "id", "card_system", "status"],
    ["chip_number", "uitpas_number"],
    ["id", "balie", "passholder", "card_type", "kansenpas", "chip_number"],
]


@pytest.mark.parametrize("key", ["uitpas_number", "chip_number", "id"])
def test_the_cards_where_a_field_is_one_of_some_values_are_the_orms(demo, key):
    every = list(
        Card.objects.exclude(**{f"{key}__isnull": True})
        .order_by("-uitpas_number")
        .values_list(key, flat=True)
    )
    missing = {"uitpas_number": "0930099999999", "chip_number": "04C-NO-SUCH-CHIP", "id": 10**9}[key]
    for chosen in (every, every[::3], every[:1], [every[0], missing, every[0]], [missing], []):
        for names in NAMES:
            expected = list(Card.objects.filter(**{f"{key}__in": chosen}).order_by("id").values_list(*names))
            assert bulk_sql.cards_where_in(key, chosen, names) == expected, (key, names, chosen)
    assert every and len(bulk_sql.cards_where_in(key, every, ["id"])) == len(every)


def _history_of_cases(demo):
    """(cards, from_status, balie): what the services pass, and the nulls."""
    not_local = Card.objects.exclude(status=CardStatus.LOCAL_STOCK)
    return [
        (not_local, None, None),
        (not_local.filter(card_system=generated_card_system()), None, F("balie")),
        (not_local.filter(pk__in=list(not_local.values_list("pk", flat=True)[::2])), None, F("balie")),
        (not_local.filter(card_system=demo.aalst), Value(""), None),
        (
            not_local.filter(uitpas_number__range=("0930000000000", "0930099999999")),
            None,
            Value(demo.bib_aalst.pk, output_field=models.BigIntegerField()),
        ),
        (Card.objects.filter(uitpas_number__range=("1", "0")), None, None),  # none
    ]


def test_the_history_of_some_cards_is_the_orms_bulk_create(demo):
    # The reason is not the status's name: a swap of the two shows.
    change = {"to_status": CardStatus.LOCAL_STOCK, "reason": CardHistory.Reason.ARRIVAL_CONFIRMED}
    for user in users(demo):
        for chosen, from_status, balie in _history_of_cases(demo):
            by_sql = effect(
                history,
                bulk_sql.insert_history_of,
                chosen,
                user=user,
                from_status=from_status,
                balie=balie,
                **change,
            )
            by_orm = effect(
                history,
                CardHistory.objects.bulk_create,
                [
                    CardHistory(
                        card=card,
                        from_status="" if from_status is not None else card.status,
                        user=user if user.is_authenticated else None,
                        balie_id=(
                            None
                            if balie is None
                            else card.balie_id
                            if isinstance(balie, F)
                            else demo.bib_aalst.pk
                        ),
                        **change,
                    )
                    for card in chosen
                ],
            )
            assert len(by_sql) == len(history()) + chosen.count()
            assert by_sql == by_orm


def test_the_history_rows_of_some_card_ids_are_the_orms_bulk_create(demo):
    provisioned = list(Card.objects.filter(status=CardStatus.PROVISIONED).values_list("pk", flat=True))
    every = list(Card.objects.values_list("pk", flat=True))
    for user in users(demo):
        for card_ids in (provisioned, provisioned[:1], every[::4], [every[0], 10**9]):
            arguments = {
                "from_status": CardStatus.PROVISIONED,
                "to_status": CardStatus.STOCK,
                "reason": CardHistory.Reason.IMPORTED,
            }
            by_sql = effect(history, bulk_sql.insert_history_rows, card_ids, user=user, **arguments)
            by_orm = effect(
                history,
                CardHistory.objects.bulk_create,
                [
                    CardHistory(card_id=card_id, user=user if user.is_authenticated else None, **arguments)
                    for card_id in Card.objects.filter(pk__in=card_ids).values_list("pk", flat=True)
                ],
            )
            assert len(by_sql) > len(history())
            assert by_sql == by_orm


def test_linking_chips_is_the_orms_update(demo):
    provisioned = list(Card.objects.filter(status=CardStatus.PROVISIONED).order_by("pk"))
    others = list(Card.objects.filter(status=CardStatus.STOCK).order_by("-pk")[:3])
    assert len(provisioned) > 2
    for chosen in (provisioned, provisioned[:1], [*provisioned[1:], *others]):
        pairs = [(card.pk, f"0A{card.pk:014X}") for card in chosen]
        by_sql = effect(cards, bulk_sql.link_chips, pairs, status=CardStatus.STOCK)
        by_orm = effect(cards, _update_each, pairs, status=CardStatus.STOCK)
        assert by_sql != cards()
        assert by_sql == by_orm


def test_the_statistics_are_refreshed_after_a_big_job_only(db):
    with _statements() as seen:
        bulk_sql.refresh_card_statistics(bulk_sql.REFRESH_STATISTICS_AFTER - 1)
    assert seen == []
    with _statements() as seen:
        bulk_sql.refresh_card_statistics(bulk_sql.REFRESH_STATISTICS_AFTER)
    assert len(seen) == 1
    if connection.vendor == "sqlite":
        sql, table = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", Card._meta.db_table
    else:
        sql, table = "SELECT count(*) FROM pg_stats WHERE tablename = %s", Card._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(sql, [table])
        assert cursor.fetchone()[0] >= 1


# The statements' SQL ----------------------------------------------------------------


class _statements:
    """The statements sent to the database, as composed (placeholders, no values)."""

    def __enter__(self) -> list[str]:
        self.seen: list[str] = []
        self.wrapper = connection.execute_wrapper(self._record)
        self.wrapper.__enter__()
        return self.seen

    def __exit__(self, *exc):
        return self.wrapper.__exit__(*exc)

    def _record(self, execute, sql, params, many, context):
        self.seen.append(sql)
        return execute(sql, params, many, context)


def _one_statement(run) -> str:
    with transaction.atomic(), _statements() as seen:
        run()
        transaction.set_rollback(True)
    assert len(seen) == 1, seen
    return seen[0]


# Ids no card has: the statements run (in a savepoint) and change nothing.
NO_SUCH_IDS = [10**9, 10**9 + 1]

STATEMENTS = {
    "bulk_insert_cards": lambda demo: bulk_sql.insert_sql(
        Card, ["uitpas_number", "card_system", "card_type", "status"]
    ),
    "bulk_cards_where_in": lambda demo: _one_statement(
        lambda: bulk_sql.cards_where_in(
            "uitpas_number",
            ["0930000000909", "0930000000107"],
            ["uitpas_number", "id", "card_system", "status"],
        )
    ),
    "bulk_history_of": lambda demo: _one_statement(
        lambda: bulk_sql.insert_history_of(
            Card.objects.filter(pk__in=NO_SUCH_IDS),
            to_status=CardStatus.LOCAL_STOCK,
            reason=CardHistory.Reason.ARRIVAL_CONFIRMED,
            user=AnonymousUser(),
            balie=F("balie"),
        )
    ),
    "bulk_history_rows": lambda demo: _one_statement(
        lambda: bulk_sql.insert_history_rows(
            NO_SUCH_IDS,
            from_status=CardStatus.PROVISIONED,
            to_status=CardStatus.STOCK,
            reason=CardHistory.Reason.IMPORTED,
            user=AnonymousUser(),
        )
    ),
    "bulk_link_chips": lambda demo: _one_statement(
        lambda: bulk_sql.link_chips([(card_id, "04C1") for card_id in NO_SUCH_IDS], status=CardStatus.STOCK)
    ),
    "bulk_refresh_statistics": lambda demo: _one_statement(
        lambda: bulk_sql.refresh_card_statistics(bulk_sql.REFRESH_STATISTICS_AFTER)
    ),
}


@pytest.mark.parametrize("name", STATEMENTS)
def test_the_composed_sql_is_the_snapshot(demo, name):
    sql = (
        STATEMENTS[name](demo)
        .replace(", ", ",\n  ")
        .replace(" FROM ", "\nFROM ")
        .replace(" WHERE ", "\nWHERE ")
        .replace(" SELECT ", "\nSELECT ")
    )
    snapshot = SNAPSHOTS / f"{name}.{connection.vendor}.sql"
    if os.environ.get("UPDATE_SQL_SNAPSHOTS"):
        snapshot.write_text(sql + "\n", encoding="utf-8")
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run with UPDATE_SQL_SNAPSHOTS=1"
    assert sql + "\n" == snapshot.read_text(encoding="utf-8"), f"{name} changed: see {snapshot}"


def _update_each(ids_and_chips, *, status):
    for card_id, chip in ids_and_chips:
        Card.objects.filter(pk=card_id).update(chip_number=chip, status=status)


def _without(key: str, row: dict) -> dict:
    return {name: value for name, value in row.items() if name != key}

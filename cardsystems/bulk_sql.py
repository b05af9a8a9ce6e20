"""SQL for the stock jobs that touch a million cards at once.

The ORM's ``bulk_create`` spends about 100 µs a row compiling SQL and an ``__in``
lookup prepares each value on its own; at a million rows that alone is minutes. These
helpers send the same statements with ``executemany`` and ``INSERT … SELECT`` instead,
through Django's connection (so inside its transactions, on SQLite and PostgreSQL
alike), with table and column names taken from the models.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.contrib.auth.models import User
from django.db import connection, models
from django.db.models import F, Value
from django.utils import timezone

from cardsystems.models import Card, CardHistory
from uitpas_site.prepared_sql import column, table

# Rows per statement: well under SQLite's limit of variables per statement (32766).
BATCH_SIZE = 5000
# A job that adds or changes at least this many cards refreshes the planner's statistics.
REFRESH_STATISTICS_AFTER = 10_000
# SQLite's page cache while a job runs, in KiB: the default 2 MiB makes a million-row
# update read the same index pages from the OS again and again (twice as slow).
JOB_PAGE_CACHE_KIB = 65536

_HISTORY_COLUMNS = ["card", "from_status", "to_status", "reason", "user", "balie", "created_at"]


def insert_sql(model: type[models.Model], names: Sequence[str]) -> str:
    """``INSERT`` of one row of the named fields, for ``executemany``."""
    columns = ", ".join(column(model, name) for name in names)
    return f"INSERT INTO {table(model)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"


def executemany(sql: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def cards_where_in(key: str, values: Sequence[str], names: Sequence[str]) -> list[tuple]:
    """The ``names`` fields of the cards whose ``key`` is one of ``values``, by id."""
    if not values:
        return []
    sql = (
        f"SELECT {', '.join(column(Card, name) for name in names)} FROM {table(Card)} "
        f"WHERE {column(Card, key)} IN ({', '.join(['%s'] * len(values))}) ORDER BY {column(Card, 'id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(values))
        return cursor.fetchall()


def insert_history_of(
    cards: models.QuerySet,
    *,
    to_status: str,
    reason: str,
    user: User,
    from_status: models.Expression | None = None,
    balie: models.Expression | F | None = None,
) -> None:
    """One history row per card of ``cards``, from its current status (unless
    ``from_status`` says otherwise), in one ``INSERT … SELECT`` whatever their number.
    The SELECT is the ORM's own SQL for ``cards``."""
    select = cards.order_by().values_list(
        "pk",
        from_status if from_status is not None else F("status"),
        Value(to_status, output_field=models.CharField()),
        Value(reason, output_field=models.CharField()),
        Value(_user_id(user), output_field=models.BigIntegerField()),
        balie if balie is not None else Value(None, output_field=models.BigIntegerField()),
        Value(timezone.now(), output_field=models.DateTimeField()),
    )
    sql, params = select.query.sql_with_params()
    columns = ", ".join(column(CardHistory, name) for name in _HISTORY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table(CardHistory)} ({columns}) {sql}", params)


def insert_history_rows(
    card_ids: Sequence[int], *, from_status: str, to_status: str, reason: str, user: User
) -> None:
    """One history row per card id, all from the same status: one ``INSERT … SELECT``
    over the ids (a seventh of the parameters an ``executemany`` of rows would bind)."""
    columns = ", ".join(column(CardHistory, name) for name in _HISTORY_COLUMNS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(CardHistory)} ({columns}) "
            f"SELECT {column(Card, 'id')}, %s, %s, %s, %s, NULL, %s FROM {table(Card)} "
            f"WHERE {column(Card, 'id')} IN ({', '.join(['%s'] * len(card_ids))})",
            [from_status, to_status, reason, _user_id(user), now, *card_ids],
        )


def link_chips(ids_and_chips: Sequence[tuple[int, str]], *, status: str) -> None:
    """Give each card its chip number and the status, in one ``UPDATE … FROM (VALUES …)``
    (both SQLite and PostgreSQL call the columns of a VALUES list column1, column2)."""
    card = table(Card)
    values = ", ".join(["(%s, %s)"] * len(ids_and_chips))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {card} SET {column(Card, 'chip_number')} = chips.column2, {column(Card, 'status')} = %s "
            f"FROM (VALUES {values}) AS chips WHERE {card}.{column(Card, 'id')} = chips.column1",
            [status, *(value for pair in ids_and_chips for value in pair)],
        )


def _user_id(user: User) -> int | None:
    return user.pk if user.is_authenticated else None


@contextmanager
def job_page_cache() -> Iterator[None]:
    """A larger SQLite page cache for the duration of a big job (other databases keep
    their own settings)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{JOB_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def refresh_card_statistics(changed: int) -> None:
    """After a big job, tell the query planner how the cards are spread now (ANALYZE;
    PostgreSQL's autovacuum would do so later, SQLite never): without it, SQLite takes
    "the cards of one card system" for a handful and reads a million of them to show
    the first page of a search. About a second at a million cards."""
    if changed >= REFRESH_STATISTICS_AFTER:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table(Card)}")

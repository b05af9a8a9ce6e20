"""Statements composed once from the models, for the few hot paths that need them.

The ORM builds and compiles a query anew for every request; on the API's hot path
(newCard) that took more Python time than everything else together (see
docs/benchmarks.md). There, SQL is composed once per database vendor from the models'
own table and column names, and only executed per request; rows become model instances
through ``Model.from_db`` with the backend's own value converters, exactly as the ORM
makes them. Rules stay in the services; these helpers only move rows.
"""

import functools
from collections.abc import Callable, Iterable

from django.db import connection, models


class Columns:
    """The concrete columns of a model under a table alias, and how to make an
    instance from its part of a row."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(_column_name(field))}" for field in self.fields)
        self.attnames = [field.attname for field in self.fields]
        self.converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((index, column, found))

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values) -> models.Model:
        values = list(values)
        for index, column, converters in self.converters:
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(_column_name(_concrete_field(model, name)))


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The field ``name`` of ``model``; a reverse relation has no column to read or write."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is a reverse relation, not a column")
    return field


def _column_name(field: models.Field) -> str:
    if field.column is None:
        raise TypeError(f"{field} has no column")
    return field.column


def for_update(*aliases: str) -> str:
    """The row lock of a statement whose rows will be changed, keys excepted: PostgreSQL's
    FOR NO KEY UPDATE, which (unlike FOR UPDATE) lets other transactions insert rows
    that refer to the locked ones (their foreign key checks take a KEY SHARE lock), so
    a stock change and a newCard writing history rows cannot deadlock on them."""
    if not connection.features.has_select_for_update:
        return ""  # SQLite: its writers are serialized by BEGIN IMMEDIATE instead.
    lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else " FOR UPDATE"
    if aliases and connection.features.has_select_for_update_of:
        lock += " OF " + ", ".join(aliases)
    return lock


def per_vendor[T](build: Callable[[], T]) -> Callable[[], T]:
    """Composes a statement once per database vendor (the SQL differs a little)."""
    cache: dict[str, T] = {}

    @functools.wraps(build)
    def get() -> T:
        if connection.vendor not in cache:
            cache[connection.vendor] = build()
        return cache[connection.vendor]

    return get


def prep(model: type[models.Model], name: str, value):
    return _concrete_field(model, name).get_db_prep_value(value, connection)


def one(sql: str, params: list) -> tuple | None:
    """The first row of a statement, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert(objects: Iterable[models.Model]) -> None:
    """INSERT new rows of one model in one statement (their primary keys stay unset).
    No ``save()``: no signals, no ``full_clean``; ``auto_now``/``auto_now_add`` are filled."""
    _insert(list(objects), returning=False)


def insert_one(obj: models.Model) -> None:
    """INSERT one new row as :func:`insert` does (no ``save()``, no signals), and give
    the object the primary key the database chose (``RETURNING``)."""
    obj.pk = _insert([obj], returning=True)
    obj._state.adding, obj._state.db = False, connection.alias


def insert_sql(model: type[models.Model], *, rows: int = 1, returning: bool = False) -> tuple[str, list]:
    """The INSERT of ``rows`` new rows of ``model`` (with ``RETURNING`` its primary key),
    and the fields whose values it takes, in order, for each row: the statement of
    :func:`insert` and :func:`insert_one`, for whoever sends it themselves (the floor of
    ``make bench``)."""
    key = (connection.vendor, model._meta.label, rows, returning)
    if key not in _INSERTS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {table(model)} ({', '.join(connection.ops.quote_name(_column_name(f)) for f in fields)})"
            f" VALUES {', '.join([row] * rows)}"
        )
        if returning:
            sql += f" RETURNING {connection.ops.quote_name(_column_name(model._meta.pk))}"
        _INSERTS[key] = (sql, fields)
    return _INSERTS[key]


_INSERTS: dict[tuple, tuple[str, list]] = {}


def _insert(objects: list[models.Model], *, returning: bool):
    if not objects:
        return None
    sql, fields = insert_sql(type(objects[0]), rows=len(objects), returning=returning)
    for obj in objects:
        for field in fields:
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                field.pre_save(obj, add=True)
    params = [
        field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objects for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if returning else None


_UPDATES: dict[tuple, str] = {}


def update_sql(model: type[models.Model], *, where: tuple[str, ...], values: tuple[str, ...]) -> str:
    """The UPDATE of :func:`update`: ``values`` set (fields by name, in order) on the rows
    whose ``where`` fields equal the parameters that follow them. Composed once per shape."""
    key = (connection.vendor, model._meta.label, values, where)
    if key not in _UPDATES:
        assignments = ", ".join(f"{column(model, name)} = %s" for name in values)
        conditions = " AND ".join(f"{column(model, name)} = %s" for name in where)
        _UPDATES[key] = f"UPDATE {table(model)} SET {assignments} WHERE {conditions}"
    return _UPDATES[key]


def update(model: type[models.Model], *, where: dict, values: dict) -> int:
    """UPDATE the rows of ``model`` whose fields equal ``where`` to ``values``; how many
    rows changed. No ``save()``: no signals, no ``auto_now``."""
    sql = update_sql(model, where=tuple(where), values=tuple(values))
    params = [
        _concrete_field(model, name).get_db_prep_save(value, connection)
        for name, value in (*values.items(), *where.items())
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount

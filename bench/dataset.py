"""A realistic data set for the benchmark, loaded with PostgreSQL's COPY.

One card system with a registration balie and a clerk; ``passholders`` passholders, each
with an ACTIVE membership and an ACTIVE current card; ``local_stock`` cards in the
balie's stock (one per newCard the benchmark will send); the rest of ``cards`` in the
central stock. Every row goes through the same tables and constraints the app uses.
"""

import io
from dataclasses import dataclass
from typing import Any

import psycopg

from cardsystems.uitpas_numbers import make_uitpas_number

PREFIX = "09900"
CONSUMER_KEY = "BENCH000-0000-0000-0000000000000000"


@dataclass(frozen=True)
class Dataset:
    passholders: int
    local_stock: int
    cards: int
    card_system_id: int
    balie_id: int
    token: str

    def passholder_uid(self, index: int) -> str:
        return f"00000000-0000-4000-8000-{index:012d}"

    def stock_number(self, index: int) -> str:
        """The index-th card of the balie's local stock."""
        return make_uitpas_number(prefix=PREFIX, serial=self.passholders + index, kansenpas=False)


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
        if buffer.tell() > 8_000_000:
            _flush(cursor, table, columns, buffer)
            buffer = io.StringIO()
    _flush(cursor, table, columns, buffer)


def _flush(cursor, table, columns, buffer) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _returned(cursor: psycopg.Cursor) -> tuple[Any, ...]:
    """The row an ``INSERT … RETURNING`` of one row returned."""
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the INSERT returned no row")
    return row


def load(conninfo: str, *, cards: int, local_stock: int, passholders: int) -> Dataset:
    """Fill an empty, migrated database; returns what the load needs to know."""
    assert passholders + local_stock <= cards <= 1_000_000  # serials 000000..999999
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cardsystems_cardsystem (name, number_prefix, kansenstatuut_grace_days, package_size)"
            " VALUES ('UiTPAS Bench', %s, 0, 50) RETURNING id",
            (PREFIX,),
        )
        [card_system_id] = _returned(cursor)
        cursor.execute("INSERT INTO auth_group (name) VALUES ('balie bench') RETURNING id")
        [group_id] = _returned(cursor)
        cursor.execute(
            "INSERT INTO cardsystems_balie (name, consumer_key, permission_group_id, minimum_stock)"
            " VALUES ('Bench balie', %s, %s, 0) RETURNING id",
            (CONSUMER_KEY, group_id),
        )
        [balie_id] = _returned(cursor)
        # The price of the benchmark's registrations (a defect card): what newCard charges.
        cursor.execute(
            "INSERT INTO cardsystems_uitpasprice (card_system_id, reason, card_type, age_from, age_to,"
            " use_when_age_unknown, kansenstatuut, voucher_type_id, price)"
            " VALUES (%s, 'DEFECT', 'CARD', NULL, NULL, true, false, NULL, 5.00)",
            (card_system_id,),
        )
        cursor.execute(
            "INSERT INTO cardsystems_balie_card_systems (balie_id, cardsystem_id) VALUES (%s, %s)",
            (balie_id, card_system_id),
        )
        cursor.execute(
            "INSERT INTO guardian_groupobjectpermission (group_id, permission_id, content_type_id, object_pk)"
            " SELECT %s, p.id, p.content_type_id, %s FROM auth_permission p"
            " JOIN django_content_type ct ON ct.id = p.content_type_id"
            " WHERE ct.app_label = 'cardsystems' AND ct.model = 'cardsystem' AND p.codename = 'passholder_create'",
            (group_id, str(card_system_id)),
        )
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,"
            " is_staff, is_active, date_joined) VALUES ('!', false, 'bench-clerk', '', '', '', true, true, now())"
            " RETURNING id"
        )
        [user_id] = _returned(cursor)
        cursor.execute(
            "INSERT INTO cardsystems_balie_staff (balie_id, user_id) VALUES (%s, %s)", (balie_id, user_id)
        )
        token = "bench".ljust(40, "0")
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, now())", (token, user_id)
        )

        first_id = 1
        _copy(
            cursor,
            "passholders_passholder",
            ("id", "uid", "first_name", "name", "email", "postal_code", "city"),
            (
                (first_id + i, f"00000000-0000-4000-8000-{i:012d}", "Bench", f"Passholder {i}", "", "", "")
                for i in range(passholders)
            ),
        )

        def card_rows():
            for serial in range(cards):
                number = make_uitpas_number(prefix=PREFIX, serial=serial, kansenpas=False)
                if serial < passholders:
                    status, balie, holder = "ACTIVE", None, first_id + serial
                elif serial < passholders + local_stock:
                    status, balie, holder = "LOCAL_STOCK", balie_id, None
                else:
                    status, balie, holder = "STOCK", None, None
                yield (
                    first_id + serial,
                    number,
                    f"0B{number}",
                    card_system_id,
                    "CARD",
                    status,
                    balie,
                    holder,
                )

        _copy(
            cursor,
            "cardsystems_card",
            (
                "id",
                "uitpas_number",
                "chip_number",
                "card_system_id",
                "card_type",
                "status",
                "balie_id",
                "passholder_id",
            ),
            card_rows(),
        )
        _copy(
            cursor,
            "passholders_membership",
            ("passholder_id", "card_system_id", "status", "current_card_id", "kansenstatuut"),
            ((first_id + i, card_system_id, "ACTIVE", first_id + i, "f") for i in range(passholders)),
        )
        for table in ("passholders_passholder", "cardsystems_card"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")
    return Dataset(passholders, local_stock, cards, card_system_id, balie_id, token)

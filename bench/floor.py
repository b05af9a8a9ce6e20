"""The floor: the database work of one newCard, sent directly through psycopg, one
transaction per operation, from ``--processes`` client processes, without Django's
request handling, ORM or model instances.

The statements are the app's own, taken from the builders the app composes them with
(``uitpas_site.prepared_sql``, ``passholders.newcard_sql``, the selectors), not copied:
a model change changes both the app and its floor. In the app's order: the token with
its user, the balie with whether the user works there, the card locked with the balie's
right, the passholder locked, the membership with its current card, the price list's
rows that may fit, the new card issued, the old card blocked, the membership updated,
the two history rows, the audit entry, the sale. Parameters are written here by hand
(that is the floor's point): an INSERT's values are named by field, so a field added to
a model stops the floor with a KeyError instead of letting it drift.

Usage: python -m bench.floor CONNINFO PROCESSES < operations.json
where operations.json is ``{"token", "consumer_key", "operations": [{"uid", "uitpasNumber"}, ...]}``.
Inside ``scripts/with-postgres`` (DATABASE_URL names PostgreSQL, whose SQL is composed).
"""

import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Statements:
    token: str
    token_user_id: int  # the user's id within the token statement's row
    balie: str
    card: str
    passholder: str
    membership: str
    price_rows: str
    issue: str
    block_old: str
    membership_update: str
    history: tuple[str, list[str]]
    audit: tuple[str, list[str]]
    sale: tuple[str, list[str]]
    content_type_id_sql: str
    right: str
    # Where each column sits in a statement's row, by attname.
    balie_at: dict[str, int]
    card_at: dict[str, int]
    membership_at: dict[str, int]
    price_at: dict[str, int]


def compose() -> Statements:
    """The app's statements, composed by its own builders for PostgreSQL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uitpas_site.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "the floor composes SQL and never signs anything")
    import django

    django.setup()
    from cardsystems import price_selectors, selectors
    from cardsystems.audit import AuditEntry
    from cardsystems.models import Card, CardHistory, Sale
    from cardsystems.permissions import CardSystemPermission
    from passholders import newcard_sql
    from passholders.models import Membership
    from uitpas_site import authentication
    from uitpas_site.prepared_sql import insert_sql, update_sql

    token_sql, token_columns, user_columns = authentication._token_statement()
    balie_sql, balie_columns = selectors._balie_statement()
    card_sql, card_columns, _card_system_columns = newcard_sql._locked_card_statement()
    membership_sql, membership_columns, _current_card_columns = newcard_sql._membership_statement()
    price_sql, price_columns, _voucher_type_columns = price_selectors._price_rows_statement()

    def at(columns, offset: int = 0) -> dict[str, int]:
        return {name: offset + index for index, name in enumerate(columns.attnames)}

    def named(model, rows: int = 1, returning: bool = False) -> tuple[str, list[str]]:
        sql, fields = insert_sql(model, rows=rows, returning=returning)
        return sql, [field.attname for field in fields]

    return Statements(
        token=token_sql,
        token_user_id=len(token_columns) + user_columns.attnames.index("id"),
        balie=balie_sql,
        card=card_sql,
        passholder=newcard_sql._locked_passholder_statement()[0],
        membership=membership_sql,
        price_rows=price_sql,
        issue=update_sql(Card, where=("id",), values=("status", "balie", "passholder")),
        block_old=update_sql(Card, where=("id", "status"), values=("status",)),
        membership_update=update_sql(
            Membership, where=("id",), values=("current_card", "kansenstatuut", "kansenstatuut_end_date")
        ),
        history=named(CardHistory, rows=2),
        audit=named(AuditEntry),
        sale=named(Sale, returning=True),
        content_type_id_sql="SELECT id FROM django_content_type WHERE app_label = 'cardsystems' AND model = 'cardsystem'",
        right=CardSystemPermission.PASSHOLDER_CREATE.value,
        balie_at=at(balie_columns),
        card_at=at(card_columns),
        membership_at=at(membership_columns),
        price_at=at(price_columns),
    )


def _values(names: list[str], *rows: dict) -> list:
    return [row[name] for row in rows for name in names]


def new_card(
    connection, sql: Statements, content_type_id: int, token: str, consumer_key: str, uid: str, number: str
):
    with connection.transaction(), connection.cursor() as cursor:
        user_id = cursor.execute(sql.token, (token,)).fetchone()[sql.token_user_id]
        # Each statement's row: the model's columns, then what it adds (last: the
        # balie's "works here", the card's right).
        balie = cursor.execute(sql.balie, (user_id, consumer_key)).fetchone()
        balie_id, group_id, works_here = (
            balie[sql.balie_at["id"]],
            balie[sql.balie_at["permission_group_id"]],
            balie[-1],
        )
        card = cursor.execute(sql.card, (group_id, sql.right, content_type_id, number)).fetchone()
        card_id, card_system_id, may_create = (
            card[sql.card_at["id"]],
            card[sql.card_at["card_system_id"]],
            card[-1],
        )
        kansenpas, status = card[sql.card_at["kansenpas"]], card[sql.card_at["status"]]
        card_balie = card[sql.card_at["balie_id"]]
        assert works_here and may_create, (works_here, may_create)
        passholder_id = cursor.execute(sql.passholder, (uid,)).fetchone()[0]
        membership = cursor.execute(sql.membership, (passholder_id, card_system_id)).fetchone()
        membership_id, old_card_id = (
            membership[sql.membership_at["id"]],
            membership[sql.membership_at["current_card_id"]],
        )
        kansenstatuut = membership[sql.membership_at["kansenstatuut"]]
        end_date = membership[sql.membership_at["kansenstatuut_end_date"]]
        assert status == "LOCAL_STOCK" and card_balie == balie_id and not kansenpas, (status, card_balie)
        rows = cursor.execute(sql.price_rows, (card_system_id, "DEFECT", "CARD", kansenpas, None)).fetchall()
        price_id, amount = (
            (rows[0][sql.price_at["id"]], rows[0][sql.price_at["price"]]) if rows else (None, 0)
        )
        cursor.execute(sql.issue, ("ACTIVE", None, passholder_id, card_id))
        cursor.execute(sql.block_old, ("BLOCKED", old_card_id, "ACTIVE"))
        cursor.execute(sql.membership_update, (card_id, kansenstatuut, end_date, membership_id))
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        history = {"from_status": "LOCAL_STOCK", "to_status": "ACTIVE", "reason": "DEFECT"}
        common = {"user_id": user_id, "balie_id": balie_id, "created_at": now}
        history_sql, history_names = sql.history
        cursor.execute(
            history_sql,
            _values(
                history_names,
                {**common, **history, "card_id": card_id},
                {
                    **common,
                    "card_id": old_card_id,
                    "from_status": "ACTIVE",
                    "to_status": "BLOCKED",
                    "reason": "DEFECT",
                },
            ),
        )
        audit_sql, audit_names = sql.audit
        changes = json.dumps({"current_card": [str(old_card_id), str(card_id)]})
        cursor.execute(
            audit_sql,
            _values(
                audit_names,
                {
                    **common,
                    "username": "bench-clerk",
                    "balie_name": "Bench balie",
                    "card_system_id": card_system_id,
                    "action": "NEW_CARD",
                    "object_type": "passholders.membership",
                    "object_id": str(membership_id),
                    "object_repr": "membership",
                    "card_count": None,
                    "changes": changes,
                },
            ),
        )
        sale_sql, sale_names = sql.sale
        snapshot = json.dumps({"id": price_id, "price": str(amount)}) if price_id else None
        cursor.execute(
            sale_sql,
            _values(
                sale_names,
                {
                    "created_at": now,
                    "card_system_id": card_system_id,
                    "balie_id": balie_id,
                    "clerk_id": user_id,
                    "clerk_name": "bench-clerk",
                    "passholder_id": passholder_id,
                    "card_id": card_id,
                    "reason": "DEFECT",
                    "kansenstatuut": kansenpas,
                    "voucher_id": None,
                    "price_id": price_id,
                    "price_snapshot": snapshot,
                    "amount": amount,
                    "free_because": "",
                    "refunded_sale_id": None,
                    "refund_reason": "",
                },
            ),
        ).fetchone()


def _worker(args) -> list[float]:
    conninfo, statements, token, consumer_key, operations = args
    latencies = []
    with psycopg.connect(conninfo) as connection:
        content_type_row = connection.execute(statements.content_type_id_sql).fetchone()
        if content_type_row is None:
            raise RuntimeError("no content type for CardSystem: is the database migrated?")
        content_type_id = content_type_row[0]
        connection.commit()  # so that each operation's transaction() is a transaction, not a savepoint
        for operation in operations:
            started = time.perf_counter()
            new_card(
                connection,
                statements,
                content_type_id,
                token,
                consumer_key,
                operation["uid"],
                operation["uitpasNumber"],
            )
            latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    conninfo, processes = sys.argv[1], int(sys.argv[2])
    spec = json.load(sys.stdin)
    statements = compose()
    shares = [spec["operations"][i::processes] for i in range(processes)]
    with multiprocessing.Pool(processes) as pool:
        started = time.perf_counter()
        results = pool.map(
            _worker, [(conninfo, statements, spec["token"], spec["consumer_key"], share) for share in shares]
        )
        seconds = time.perf_counter() - started
    latencies = [latency for result in results for latency in result]
    json.dump(
        {"requests": len(latencies), "seconds": seconds, "latencies": latencies, "errors": {}}, sys.stdout
    )


if __name__ == "__main__":
    main()

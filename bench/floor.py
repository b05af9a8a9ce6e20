"""The floor: the database work of one newCard, sent directly through psycopg, one
transaction per operation, from ``--processes`` client processes. The same statements
the app sends (token, balie, card locked with the balie's right, passholder locked,
membership, the price list's rows that may fit, the two card updates, the membership
update, the history rows, the audit entry, the sale), without Django.

Usage: python -m bench.floor CONNINFO PROCESSES < operations.json
where operations.json is ``{"token", "consumer_key", "operations": [{"uid", "uitpasNumber"}, ...]}``.
"""

import json
import multiprocessing
import sys
import time

import psycopg

TOKEN = (
    'SELECT t."key", u.id, u.is_active FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id'
    ' WHERE t."key" = %s LIMIT 21'
)
BALIE = (
    "SELECT b.id, b.permission_group_id, EXISTS(SELECT 1 FROM cardsystems_balie_staff s"
    " WHERE s.balie_id = b.id AND s.user_id = %s LIMIT 1) FROM cardsystems_balie b"
    " WHERE b.consumer_key = %s ORDER BY b.name LIMIT 1"
)
CARD = (
    "SELECT c.id, c.status, c.balie_id, c.kansenpas, cs.id, cs.kansenstatuut_grace_days,"
    " EXISTS(SELECT 1 FROM guardian_groupobjectpermission g JOIN auth_permission p ON p.id = g.permission_id"
    " WHERE g.group_id = %s AND p.codename = 'passholder_create' AND g.content_type_id ="
    " (SELECT id FROM django_content_type WHERE app_label = 'cardsystems' AND model = 'cardsystem')"
    " AND g.object_pk = CAST(cs.id AS VARCHAR(255)))"
    " FROM cardsystems_card c JOIN cardsystems_cardsystem cs ON cs.id = c.card_system_id"
    " WHERE c.uitpas_number = %s FOR UPDATE OF c"
)
PASSHOLDER = "SELECT id, uid, first_name, name FROM passholders_passholder WHERE uid = %s FOR UPDATE"
MEMBERSHIP = (
    "SELECT m.id, m.status, m.current_card_id, m.kansenstatuut, m.kansenstatuut_end_date, c.status"
    " FROM passholders_membership m LEFT JOIN cardsystems_card c ON c.id = m.current_card_id"
    " WHERE m.passholder_id = %s AND m.card_system_id = %s"
)
PRICE = (
    "SELECT p.id, p.age_from, p.age_to, p.use_when_age_unknown, p.voucher_type_id, p.price"
    " FROM cardsystems_uitpasprice p WHERE p.card_system_id = %s AND p.reason = 'DEFECT'"
    " AND p.card_type = 'CARD' AND p.kansenstatuut = %s AND p.voucher_type_id IS NULL ORDER BY p.id"
)
SALE = (
    "INSERT INTO cardsystems_sale (created_at, card_system_id, balie_id, clerk_id, clerk_name, passholder_id,"
    " card_id, reason, kansenstatuut, voucher_id, price_id, price_snapshot, amount, free_because, refund_reason)"
    " VALUES (now(), %s, %s, %s, 'bench-clerk', %s, %s, 'DEFECT', %s, NULL, %s, %s, %s, '', '') RETURNING id"
)
ACTIVATE = "UPDATE cardsystems_card SET status = 'ACTIVE', balie_id = NULL, passholder_id = %s WHERE id = %s"
BLOCK_OLD = "UPDATE cardsystems_card SET status = 'BLOCKED' WHERE id = %s AND status = 'ACTIVE'"
MEMBERSHIP_UPDATE = (
    "UPDATE passholders_membership SET current_card_id = %s, kansenstatuut = %s,"
    " kansenstatuut_end_date = %s WHERE id = %s"
)
AUDIT = (
    "INSERT INTO cardsystems_auditentry (created_at, user_id, username, balie_id, balie_name, card_system_id,"
    " action, object_type, object_id, object_repr, changes)"
    " VALUES (now(), %s, 'bench-clerk', %s, 'Bench balie', %s, 'NEW_CARD', 'passholders.membership', %s,"
    " 'membership', %s)"
)
HISTORY = (
    "INSERT INTO cardsystems_cardhistory (card_id, from_status, to_status, reason, user_id, balie_id, created_at)"
    " VALUES (%s, 'LOCAL_STOCK', 'ACTIVE', 'DEFECT', %s, %s, now()), (%s, 'ACTIVE', 'BLOCKED', 'DEFECT', %s, %s, now())"
)


def new_card(connection: psycopg.Connection, token: str, consumer_key: str, uid: str, number: str) -> None:
    with connection.transaction(), connection.cursor() as cursor:
        _, user_id, _ = cursor.execute(TOKEN, (token,)).fetchone()
        balie_id, group_id, works_here = cursor.execute(BALIE, (user_id, consumer_key)).fetchone()
        card_id, status, card_balie, kansenpas, card_system_id, _, may_create = cursor.execute(
            CARD, (group_id, number)
        ).fetchone()
        assert works_here and may_create
        passholder_id = cursor.execute(PASSHOLDER, (uid,)).fetchone()[0]
        membership_id, _, old_card_id, kansenstatuut, end_date, _ = cursor.execute(
            MEMBERSHIP, (passholder_id, card_system_id)
        ).fetchone()
        assert status == "LOCAL_STOCK" and card_balie == balie_id and not kansenpas
        rows = cursor.execute(PRICE, (card_system_id, kansenpas)).fetchall()
        price_id, amount = (rows[0][0], rows[0][5]) if rows else (None, 0)
        cursor.execute(ACTIVATE, (passholder_id, card_id))
        cursor.execute(BLOCK_OLD, (old_card_id,))
        cursor.execute(MEMBERSHIP_UPDATE, (card_id, kansenstatuut, end_date, membership_id))
        cursor.execute(HISTORY, (card_id, user_id, balie_id, old_card_id, user_id, balie_id))
        changes = json.dumps({"current_card": [str(old_card_id), str(card_id)]})
        cursor.execute(AUDIT, (user_id, balie_id, card_system_id, str(membership_id), changes))
        snapshot = json.dumps({"id": price_id, "price": str(amount)}) if price_id else None
        cursor.execute(
            SALE,
            (
                card_system_id,
                balie_id,
                user_id,
                passholder_id,
                card_id,
                kansenpas,
                price_id,
                snapshot,
                amount,
            ),
        )


def _worker(args) -> list[float]:
    conninfo, token, consumer_key, operations = args
    latencies = []
    with psycopg.connect(conninfo) as connection:
        for operation in operations:
            started = time.perf_counter()
            new_card(connection, token, consumer_key, operation["uid"], operation["uitpasNumber"])
            latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    conninfo, processes = sys.argv[1], int(sys.argv[2])
    spec = json.load(sys.stdin)
    shares = [spec["operations"][i::processes] for i in range(processes)]
    with multiprocessing.Pool(processes) as pool:
        started = time.perf_counter()
        results = pool.map(
            _worker, [(conninfo, spec["token"], spec["consumer_key"], share) for share in shares]
        )
        seconds = time.perf_counter() - started
    latencies = [latency for result in results for latency in result]
    json.dump(
        {"requests": len(latencies), "seconds": seconds, "latencies": latencies, "errors": {}}, sys.stdout
    )


if __name__ == "__main__":
    main()

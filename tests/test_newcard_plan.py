"""The preview and the registration agree: ``plan_new_card`` (the back-office's preview,
which writes nothing) runs the checks of ``register_new_card`` in the same order, and its
plan is what the registration then does.

For every row of the error table (and of its order table), with each of the six
reasons, and for a successful request of each reason: the preview's verdict (the code,
rule and field of its refusal, or its plan) equals what the registration then does, and
the preview changed nothing.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cardsystems.models import NewCardReason
from passholders.services import (
    NewCardRefused,
    NewCardRule,
    plan_new_card,
    register_new_card,
)
from tests.conftest import KEYS, UIDS, database_state
from tests.test_newcard_errors import ORDER, ROWS, VALID, Case, request_for
from uitpas_site.errors import ErrorCode

TODAY = timezone.localdate()
END = datetime.date(TODAY.year + 1, 4, 30).isoformat()
KEYWORDS = {
    "uid": "uid",
    "reason": "reason",
    "uitpasNumber": "uitpas_number",
    "voucherNumber": "voucher_number",
    "balieConsumerKey": "balie_consumer_key",
    "kansenStatuutEndDate": "kansenstatuut_end_date",
}
# A request of each reason that succeeds (ann for Bibliotheek Aalst, with a voucher).
SUCCESSES = {
    "LOSS_THEFT": Case("", {"voucherNumber": "1000001"}),
    "DEFECT": Case("", {"reason": "DEFECT"}),
    "CARD_UPGRADE": Case("", {"reason": "CARD_UPGRADE"}),
    "OBTAIN_KANSENSTATUUT": Case(
        "", {"reason": "OBTAIN_KANSENSTATUUT", "uitpasNumber": "0930000001113", "kansenStatuutEndDate": END}
    ),
    "LOSS_KANSENSTATUUT": Case("", {"reason": "LOSS_KANSENSTATUUT", "uid": UIDS.ellen}),
    "EXTRA_CARD": Case("", {"reason": "EXTRA_CARD", "uid": UIDS.marc}),
    "REMOVAL (DEFECT)": Case("", {"reason": "REMOVAL", "uid": UIDS.tom, "uitpasNumber": "0930000000305"}),
}
CASES = {**ROWS, **ORDER, **{f"succeeds: {name}": case for name, case in SUCCESSES.items()}}
# Rows about the reason itself keep theirs; the others are tried with each reason.
ABOUT_THE_REASON = {"reason missing", "reason blank", "unknown reason", "reason in lower case"}


def verdict(operation, arguments: dict):
    """What an operation decided: its refusal (code, rule, field, every problem) or
    what it changes (the new card, the replaced card and whether it gets blocked, a new
    membership, the kansenstatuut after, the voucher, the amount: shown by the preview,
    charged by the registration)."""
    try:
        outcome = operation(**arguments)
    except NewCardRefused as refused:
        return (
            "refused",
            refused.code,
            refused.rule,
            refused.field,
            [(problem.code, problem.rule, problem.field) for problem in refused.problems],
        )
    if hasattr(outcome, "kansenstatuut_after"):  # a plan
        replaced = outcome.replaced_card
        return (
            "registers",
            outcome.reason,
            outcome.card.uitpas_number,
            replaced.uitpas_number if replaced else None,
            outcome.blocks_replaced_card,
            outcome.membership is None,
            outcome.kansenstatuut_after,
            outcome.voucher.number if outcome.voucher else None,
            outcome.price.amount,
        )
    membership = outcome.membership
    return (
        "registers",
        outcome.reason,
        outcome.card.uitpas_number,
        outcome.replaced_card.uitpas_number if outcome.replaced_card else None,
        outcome.replaced_card_blocked,
        outcome.membership_created,
        (membership.kansenstatuut, membership.kansenstatuut_end_date),
        outcome.voucher.number if outcome.voucher else None,
        outcome.sale.amount,
    )


def arguments_of(case: Case, reason: str | None) -> dict:
    params = request_for(case)
    if reason is not None:
        params["reason"] = reason
    arguments = {KEYWORDS[name]: value for name, value in params.items()}
    arguments.setdefault("uid", None)
    arguments.setdefault("reason", None)
    arguments.setdefault("uitpas_number", None)
    return {"user": get_user_model().objects.get(username=case.user), **arguments}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_preview_decides_what_the_registration_does(demo, case, request):
    name = request.node.callspec.id
    # None: the case's own reason (its row's point), then each of the six.
    reasons = [None] if name in ABOUT_THE_REASON else [None, *NewCardReason.values]
    verdicts = {}
    for reason in reasons:
        arguments = arguments_of(case, reason)
        with transaction.atomic():
            before = database_state()
            previewed = verdict(plan_new_card, arguments)
            assert database_state() == before, "the preview changed something"
            done = verdict(register_new_card, arguments)
            assert previewed == done, (reason, previewed, done)
            verdicts[reason] = done
            transaction.set_rollback(True)
    if name.startswith("succeeds: "):
        assert verdicts[None][0] == "registers", verdicts[None]
    else:
        assert verdicts[None][:2] == ("refused", case.code), verdicts[None]


def test_the_preview_takes_no_lock_and_opens_no_transaction(demo):
    arguments = arguments_of(SUCCESSES["LOSS_THEFT"], None)
    with CaptureQueriesContext(connection) as preview:
        plan_new_card(**arguments)
    statements = [query["sql"].upper() for query in preview.captured_queries]
    assert not any("FOR UPDATE" in sql or "FOR NO KEY UPDATE" in sql for sql in statements)
    assert not any(sql.startswith(("SAVEPOINT", "BEGIN")) for sql in statements)
    assert not any(sql.startswith(("UPDATE", "INSERT", "DELETE")) for sql in statements)


@pytest.mark.postgres  # SQLite serializes writers with BEGIN IMMEDIATE instead of row locks
def test_the_registration_locks_what_it_changes(demo):
    arguments = arguments_of(SUCCESSES["LOSS_THEFT"], None)
    with CaptureQueriesContext(connection) as registration:
        register_new_card(**arguments)
    locked = [query["sql"] for query in registration.captured_queries if "FOR NO KEY UPDATE" in query["sql"]]
    assert len(locked) == 3  # the card, the passholder, the voucher


def test_every_problem_of_the_values_comes_at_once_and_the_first_decides(demo):
    with pytest.raises(NewCardRefused) as refused:
        plan_new_card(
            user=demo.user("ann"),
            uid=UIDS.pieter,
            reason=None,
            uitpas_number=" ",
            voucher_number="12a",
            kansenstatuut_end_date="30/04/2027",
        )
    problems = [(problem.code, problem.field) for problem in refused.value.problems]
    assert problems == [
        (ErrorCode.MISSING_REQUIRED_FIELDS, "reason"),
        (ErrorCode.MISSING_REQUIRED_FIELDS, "uitpas_number"),
        (ErrorCode.MISSING_REQUIRED_FIELDS, "balie"),  # ann works at two balies
        (ErrorCode.PARSE_INVALID_VOUCHERNUMBER, "voucher_number"),
        (ErrorCode.PARSE_INVALID_DATE, "kansenstatuut_end_date"),
    ]
    # The API answers the first, with its message as before.
    assert (refused.value.code, str(refused.value.message)) == (
        ErrorCode.MISSING_REQUIRED_FIELDS,
        "reason is verplicht.",
    )


def test_a_refusal_after_the_values_names_its_rule_and_facts(demo):
    with pytest.raises(NewCardRefused) as refused:
        plan_new_card(
            user=demo.user("ann"),
            uid=UIDS.pieter,
            reason="LOSS_THEFT",
            uitpas_number="0930000000800",
            balie_consumer_key=KEYS.bib_aalst,
        )
    assert refused.value.rule == NewCardRule.CARD_NOT_IN_BALIE_STOCK
    assert (refused.value.facts["number"], refused.value.facts["status"]) == ("0930000000800", "STOCK")
    assert refused.value.problems == (refused.value,)


def test_the_plan_of_a_replacement(demo):
    plan = plan_new_card(**arguments_of(SUCCESSES["LOSS_THEFT"], None))
    assert (plan.card.uitpas_number, plan.replaced_card.uitpas_number, plan.blocks_replaced_card) == (
        "0930000000206",
        "0930056878802",
        True,
    )
    assert (plan.acting_balie, plan.voucher.number, plan.kansenstatuut_after) == (
        demo.bib_aalst,
        "1000001",
        (False, None),
    )
    assert VALID["uitpasNumber"] == plan.card.uitpas_number

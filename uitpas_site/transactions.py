"""Retrying a whole transaction when the database gave it up to let another one through.

The services lock rows in one order (the card first, then passholder, voucher,
membership), so deadlocks should not happen; if the database still picks a transaction
as a deadlock victim or fails it for serialization, the client must not see it: the
operation runs again from the start, at most a few times. Retrying is only safe when the
operation is the outermost transaction (a deadlock aborts the whole PostgreSQL
transaction), so inside an outer atomic block the error goes up unchanged.
"""

import functools
import logging
import random
import time
from collections.abc import Callable

from django.db import OperationalError, connection

logger = logging.getLogger("uitpas.transactions")

# PostgreSQL's SQLSTATEs for serialization_failure and deadlock_detected.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
ATTEMPTS = 4


def is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    # SQLite waits for its lock up to the connection timeout first (settings), so this
    # only happens under very long waits.
    return connection.vendor == "sqlite" and "database is locked" in str(error)


def retry_on_conflict[**P, R](operation: Callable[P, R]) -> Callable[P, R]:
    """Run ``operation`` (which opens its own transaction) again when the database
    aborted it for a deadlock or a serialization failure."""

    @functools.wraps(operation)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return operation(*args, **kwargs)
            except OperationalError as error:
                if attempt == ATTEMPTS or connection.in_atomic_block or not is_retryable(error):
                    raise
                logger.warning("%s: retrying after %s (attempt %d)", operation.__name__, error, attempt)
                time.sleep(random.uniform(0, 0.01 * attempt))
        raise AssertionError("unreachable")

    return run

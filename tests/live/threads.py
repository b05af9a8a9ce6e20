"""Work on a database connection of its own, beside the test's, for the tests that
make two transactions meet."""

import threading
from collections.abc import Callable

from django.db import connection


def started(work: Callable[[], object]) -> tuple[threading.Thread, list[Exception]]:
    """``work`` running in a thread of its own (so on a connection of its own, closed when
    it ends); what it raised is collected in the list, for the test to assert on."""
    errors: list[Exception] = []

    def run() -> None:
        try:
            work()
        except Exception as error:  # the test asserts on it
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors

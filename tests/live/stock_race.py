"""A racer, run as a process of its own: per round, a newCard request over HTTP and a
stock change through the service (as the admin's action runs it), released together.

Reads JSON from stdin: ``{"base", "token", "user_id", "rounds": [{"form", "card_ids"}]}``.
Writes, per round, ``[new card outcome, stock change outcome]``: ``"OK"`` or the error
code. DATABASE_URL must name the database the server uses.
"""

import json
import os
import sys
import threading
from xml.etree import ElementTree

import django

from tests.live.burst import fire


def race(base: str, token: str, user, round_: dict) -> list[str]:
    from django.db import connection

    from cardsystems.services import return_to_stock
    from uitpas_site.errors import UitpasError

    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def send_back() -> None:
        barrier.wait()
        try:
            return_to_stock(user=user, card_ids=round_["card_ids"])
            results["stock"] = "OK"
        except UitpasError as error:
            results["stock"] = error.code
        finally:
            connection.close()

    def new_card() -> None:
        request = {
            "method": "POST",
            "path": "/uitpas/passholder/newCard",
            "token": token,
            "form": round_["form"],
        }
        barrier.wait()
        [(status, body)] = fire(base, [request])
        results["newCard"] = "OK" if status == 200 else ElementTree.fromstring(body).findtext("code")

    threads = [threading.Thread(target=send_back), threading.Thread(target=new_card)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results["newCard"], results["stock"]]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uitpas_site.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    spec = json.load(sys.stdin)
    user = get_user_model().objects.get(pk=spec["user_id"])
    json.dump([race(spec["base"], spec["token"], user, round_) for round_ in spec["rounds"]], sys.stdout)


if __name__ == "__main__":
    main()

"""Shared by the live tests: a small world of data, and a burst of requests sent from
another process against a live server."""

import json
import subprocess
import sys
from xml.etree import ElementTree

from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm
from rest_framework.authtoken.models import Token

from cardsystems.models import Balie, Card, CardStatus, CardSystem
from cardsystems.permissions import CardSystemPermission as Perm
from cardsystems.uitpas_numbers import make_uitpas_number
from passholders.models import Membership, Passholder
from tests.live.servers import PROJECT

NEW_CARD = "/uitpas/passholder/newCard"


class World:
    """One card system with a balie, a clerk working there, and a supply of numbers."""

    def __init__(self) -> None:
        self.card_system = CardSystem.objects.create(name="UiTPAS Race", number_prefix="09999")
        self.balie = Balie.objects.create(name="Race balie")
        self.balie.card_systems.add(self.card_system)
        assign_perm(Perm.PASSHOLDER_CREATE.full_name, self.balie.permission_group, self.card_system)
        clerk = get_user_model().objects.create_user("clerk", is_staff=True)
        self.balie.staff.add(clerk)
        self.token = Token.objects.create(user=clerk).key
        self._serial = 0

    def cards(self, count: int, status: str, holders=None) -> list[Card]:
        cards = []
        for index in range(count):
            self._serial += 1
            number = make_uitpas_number(prefix="09999", serial=self._serial, kansenpas=False)
            cards.append(
                Card(
                    uitpas_number=number,
                    chip_number=f"0C{number}",
                    card_system=self.card_system,
                    status=status,
                    balie=self.balie if status == CardStatus.LOCAL_STOCK else None,
                    passholder=holders[index] if holders else None,
                )
            )
        return Card.objects.bulk_create(cards)

    def members(self, count: int) -> list[Passholder]:
        """Passholders with an ACTIVE membership and an ACTIVE regular card."""
        passholders = Passholder.objects.bulk_create(
            Passholder(first_name="Racer", name=str(index)) for index in range(count)
        )
        old_cards = self.cards(count, CardStatus.ACTIVE, holders=passholders)
        Membership.objects.bulk_create(
            Membership(passholder=p, card_system=self.card_system, current_card=c)
            for p, c in zip(passholders, old_cards, strict=True)
        )
        return passholders

    def new_card(self, passholder: Passholder, card: Card, **extra) -> dict:
        form = {
            "uid": str(passholder.uid),
            "reason": "DEFECT",
            "uitpasNumber": card.uitpas_number,
            "balieConsumerKey": self.balie.consumer_key,
            **extra,
        }
        return {"method": "POST", "path": NEW_CARD, "token": self.token, "form": form}


def burst(base: str, rounds: list[list[dict]]) -> list[list[tuple[int, str]]]:
    """Send the rounds from another process; each round's requests are released together."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.live.burst"],
        input=json.dumps({"base": base, "rounds": rounds}),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout)


def outcome(answer: tuple[int, str]) -> str:
    status, body = answer
    assert status < 500, f"HTTP {status}: {body}"
    return "OK" if status == 200 else ElementTree.fromstring(body).findtext("code")

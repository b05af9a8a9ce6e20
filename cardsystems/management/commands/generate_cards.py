from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cardsystems.management.stock_commands import ProgressBar, acting_user, card_system_named, refused
from cardsystems.models import CardType
from cardsystems.selectors import generated_numbers
from cardsystems.services import generate_cards
from uitpas_site.errors import UitpasError


class Command(BaseCommand):
    help = (
        "Generate UiTPAS numbers (PROVISIONED cards) for a card system, after its highest serial; "
        "--csv writes them to a file for the card supplier."
    )

    def add_arguments(self, parser):
        parser.add_argument("--card-system", required=True, metavar="NAME", help="the card system's name")
        parser.add_argument("--count", required=True, type=int, metavar="N", help="how many numbers")
        parser.add_argument("--kansenpas", action="store_true", help="kansenpas numbers (12th digit 1)")
        parser.add_argument("--card-type", choices=CardType.values, default=CardType.CARD)
        parser.add_argument("--csv", metavar="FILE", type=Path, help="write the numbers to FILE, one a line")
        parser.add_argument("--user", metavar="USERNAME", help="act as this user (default: the server)")

    def handle(self, *args, card_system, count, kansenpas, card_type, csv, user, **options):
        card_system = card_system_named(card_system)
        progress = ProgressBar(self.stdout, total=count, label=_("Generating"))
        try:
            batch = generate_cards(
                user=acting_user(user),
                card_system=card_system,
                count=count,
                kansenpas=kansenpas,
                card_type=card_type,
                progress=progress,
            )
        except UitpasError as error:
            raise refused(error) from None
        finally:
            progress.finish()
        self.stdout.write(
            f"Generated {batch.count} numbers of {card_system}: {batch.first_number} to {batch.last_number}."
        )
        if csv is not None:
            numbers = generated_numbers(
                card_system=card_system, first_number=batch.first_number, last_number=batch.last_number
            )
            with csv.open("w", encoding="utf-8", newline="") as out:
                for number in numbers:
                    out.write(f'"{number}"\r\n')
            self.stdout.write(_("Wrote them to %(file)s.") % {"file": csv})

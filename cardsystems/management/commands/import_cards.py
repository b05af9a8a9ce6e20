from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cardsystems.management.stock_commands import ProgressBar, acting_user, card_system_named, refused
from cardsystems.services import CardImportRefused, import_cards, preview_card_import
from uitpas_site.errors import UitpasError


class Command(BaseCommand):
    help = (
        'Check a card supplier\'s file of "chip number";"uitpas number" lines against the card '
        "system's PROVISIONED cards and list every problem; with --apply, import it (STOCK) when "
        "no line has a problem, and change nothing otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE", help="the supplier's CSV file")
        parser.add_argument("--card-system", required=True, metavar="NAME", help="the card system's name")
        parser.add_argument("--apply", action="store_true", help="import the file (without: only check it)")
        parser.add_argument("--user", metavar="USERNAME", help="act as this user (default: the server)")

    def handle(self, *args, file, card_system, apply, user, **options):
        card_system = card_system_named(card_system)
        if not file.is_file():
            raise CommandError(_("No file %(file)s.") % {"file": file})
        with file.open("rb") as counted:
            total = sum(1 for _line in counted)
        progress = ProgressBar(self.stdout, total=total, label=_("Importing") if apply else _("Checking"))
        service = import_cards if apply else preview_card_import
        # Undecodable bytes become "�", a problem of their line rather than a crash.
        with file.open(encoding="utf-8-sig", errors="replace", newline="") as lines:
            try:
                preview = service(
                    user=acting_user(user),
                    card_system=card_system,
                    lines=lines,
                    max_listed_problems=None,
                    progress=progress,
                )
            except CardImportRefused as refusal:
                preview = refusal.preview
            except UitpasError as error:
                raise refused(error) from None
            finally:
                progress.finish()
        for problem in preview.problems:
            self.stdout.write(
                _("line %(line)s: %(code)s: %(message)s")
                % {"line": problem.line, "code": problem.code, "message": problem.message}
            )
        self.stdout.write(
            f"{preview.line_count} lines, {preview.card_count} cards to import, {preview.problem_count} with a problem."
        )
        if preview.problem_count:
            raise CommandError(
                "Nothing was imported: fix every line first." if apply else "The file has problems."
            )
        if not preview.card_count:
            raise CommandError("The file holds no cards.")
        if apply:
            self.stdout.write(
                f"Imported {preview.card_count} cards of {card_system}: they are in central stock now."
            )
        else:
            self.stdout.write("Nothing changed; run again with --apply to import.")

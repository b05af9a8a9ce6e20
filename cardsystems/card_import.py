"""Reading and checking a card supplier's file of ``"chip number";"uitpas number"`` lines.

Used by the import services (:func:`cardsystems.services.preview_card_import` and
:func:`~cardsystems.services.import_cards`), which share these checks so that an apply
refuses exactly what the preview listed. The file is read as a stream, a batch of lines
at a time; what is remembered across batches is which UiTPAS and chip numbers came
before, and on which line (:class:`_FirstSeen`).
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import batched

from django.utils.translation import gettext_lazy as _

from cardsystems.bulk_sql import BATCH_SIZE, cards_where_in
from cardsystems.lifecycle import Transition
from cardsystems.models import CardStatus, CardSystem
from cardsystems.selectors import is_valid_chip_number, normalized_chip_number
from cardsystems.uitpas_numbers import is_valid_uitpas_number
from uitpas_site.errors import ErrorCode


@dataclass(frozen=True)
class ImportProblem:
    """Why one line of a supplier's file cannot be imported."""

    line: int
    code: ErrorCode
    message: str


@dataclass
class ImportPreview:
    """What an import would do: how many cards it links to their chip, and the lines
    that stop it (all counted; the first ``max_listed_problems`` listed, by line)."""

    card_system: CardSystem
    line_count: int = 0
    card_count: int = 0
    problem_count: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    # The lowest and highest UiTPAS number of the cards it links (for the audit log).
    first_number: str = ""
    last_number: str = ""

    @property
    def importable(self) -> bool:
        return self.problem_count == 0 and self.card_count > 0


def checked_batches(
    *,
    card_system: CardSystem,
    lines: Iterable[str],
    preview: ImportPreview,
    max_listed_problems: int | None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[tuple[int, str]]]:
    """The file's good lines as (card id, chip number), a batch at a time, while the
    problems go into ``preview``. Each line's first failing check decides its problem:
    the shape of the line, the UiTPAS number, the chip number, a UiTPAS or chip number
    on an earlier line, an unknown card, a card of another card system, a card that is
    not PROVISIONED, a chip number that another card has."""
    for fresh, problems, line_count, last_line in _file_batches(lines):
        rows, numbers = _fit_the_stock(card_system, fresh, problems)
        if numbers:
            preview.first_number = min(preview.first_number or min(numbers), min(numbers))
            preview.last_number = max(preview.last_number, max(numbers))
        preview.line_count += line_count
        preview.card_count += len(rows)
        preview.problem_count += len(problems)
        room = len(problems) if max_listed_problems is None else max_listed_problems - len(preview.problems)
        preview.problems.extend(sorted(problems, key=lambda problem: problem.line)[: max(room, 0)])
        yield rows
        if progress:
            progress(last_line)  # the file's line number, blank lines included


def _file_batches(lines: Iterable[str]) -> Iterator[tuple[list, list[ImportProblem], int, int]]:
    """The checks that need only the file (the shape of each line, its numbers, and
    whether an earlier line had them), a batch at a time: the lines that pass, the
    problems, how many lines were read and the number of the last one."""
    first_seen = _FirstSeen()
    for batch in batched(_read(lines), BATCH_SIZE):
        problems: list[ImportProblem] = []
        candidates = _well_formed(batch, problems)
        fresh = _not_seen_before(candidates, first_seen, problems)
        yield fresh, problems, len(batch), batch[-1][0]


def _read(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank line; a first line that names the
    columns is skipped. A line the csv module cannot read has no fields."""
    reader = csv.reader(lines, delimiter=";", quotechar='"', skipinitialspace=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fields = []
        else:
            if len(fields) < 2 and not "".join(fields).strip():
                continue
            if reader.line_num == 1 and fields[0].strip().lower() == "chip number":
                continue
        yield reader.line_num, fields


def _well_formed(batch, problems: list[ImportProblem]) -> list[tuple[int, str, str]]:
    candidates = []
    for line, fields in batch:
        if len(fields) != 2:
            problems.append(
                ImportProblem(
                    line,
                    ErrorCode.INVALID_PARAMETERS,
                    str(
                        _("Expected two fields, “chip number”;“uitpas number”, not %(count)s.")
                        % {"count": len(fields)}
                    ),
                )
            )
            continue
        chip, number = normalized_chip_number(fields[0]), fields[1].strip()
        if not is_valid_uitpas_number(number):
            problems.append(
                ImportProblem(
                    line,
                    ErrorCode.PARSE_INVALID_UITPASNUMBER,
                    str(_("“%(number)s” is not a valid UiTPAS number.") % {"number": number[:40]}),
                )
            )
        elif not is_valid_chip_number(chip):
            problems.append(
                ImportProblem(
                    line,
                    ErrorCode.INVALID_PARAMETERS,
                    str(
                        _("“%(chip)s” is not a chip number (1 to 32 hexadecimal digits).")
                        % {"chip": chip[:40]}
                    ),
                )
            )
        else:
            candidates.append((line, number, chip))
    return candidates


def _not_seen_before(candidates, first_seen: "_FirstSeen", problems: list[ImportProblem]):
    """The lines whose UiTPAS number and chip number no earlier line has. A line claims
    its UiTPAS number, and (when that number is new) its chip number."""
    number_repeats = first_seen.claim("numbers", [(int(number), line) for line, number, _chip in candidates])
    chip_repeats = first_seen.claim(
        "chips", [(int(chip, 16), line) for line, _number, chip in candidates if line not in number_repeats]
    )
    fresh = []
    for line, number, chip in candidates:
        if line in number_repeats:
            message = _("UiTPAS number %(number)s is on line %(first)s too.")
            problems.append(
                ImportProblem(
                    line,
                    ErrorCode.INVALID_CARD,
                    str(message % {"number": number, "first": number_repeats[line]}),
                )
            )
        elif line in chip_repeats:
            message = _("Chip number %(chip)s is on line %(first)s too.")
            problems.append(
                ImportProblem(
                    line,
                    ErrorCode.INVALID_PARAMETERS,
                    str(message % {"chip": chip, "first": chip_repeats[line]}),
                )
            )
        else:
            fresh.append((line, number, chip))
    return fresh


def _fit_the_stock(card_system: CardSystem, fresh, problems: list[ImportProblem]):
    """The lines whose card can take its chip, as (card id, chip number), and their
    UiTPAS numbers; the problems of the others go into ``problems``."""
    card_of = {
        number: rest
        for number, *rest in cards_where_in(
            "uitpas_number",
            [number for _line, number, _chip in fresh],
            ["uitpas_number", "id", "card_system", "status"],
        )
    }
    chip_owner = dict(
        cards_where_in(
            "chip_number", [chip for _line, _number, chip in fresh], ["chip_number", "uitpas_number"]
        )
    )
    rows, numbers = [], []
    for line, number, chip in fresh:
        card_id, card_system_id, status = card_of.get(number, (None, None, None))
        if card_id is None:
            code, message = ErrorCode.UNKNOWN_CARD, _("No card has the UiTPAS number %(number)s.")
        elif card_system_id != card_system.pk:
            code, message = ErrorCode.INVALID_CARD, _("Card %(number)s belongs to another card system.")
        elif status is None or not Transition.IMPORT.allows(status):
            code, message = (
                ErrorCode.INVALID_CARD_STATUS,
                _(
                    "Card %(number)s has the status “%(status)s”; only a card whose number was generated, "
                    "without a chip yet, can be imported."
                ),
            )
        elif chip in chip_owner:
            code, message = (
                ErrorCode.INVALID_PARAMETERS,
                _("Chip number %(chip)s already belongs to card %(owner)s."),
            )
        else:
            rows.append((card_id, chip))
            numbers.append(number)
            continue
        # A status by its name ("central stock"), as a clerk reads it; the code says it too.
        shown_status = CardStatus(status).label if status in CardStatus.values else status
        values = {"number": number, "status": shown_status, "chip": chip, "owner": chip_owner.get(chip)}
        problems.append(ImportProblem(line, code, str(message % values)))
    return rows, numbers


class _FirstSeen:
    """The line on which each UiTPAS number and chip number first appeared, as ints:
    about 200 bytes a line, the one thing the import keeps per line. (Kept on disk in
    a scratch SQLite file instead, memory stayed flat, but a million-line import took
    a quarter longer, past its minute.)"""

    def __init__(self) -> None:
        self._first_line: dict[str, dict[int, int]] = {"numbers": {}, "chips": {}}

    def claim(self, kind: str, keys_and_lines: list[tuple[int, int]]) -> dict[int, int]:
        """Record each key with its line unless it came before; for the lines whose
        key came before, the line where it first came."""
        first_line = self._first_line[kind]
        repeats = {}
        for key, line in keys_and_lines:
            first = first_line.setdefault(key, line)
            if first != line:
                repeats[line] = first
        return repeats

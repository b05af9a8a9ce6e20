"""The admin of card systems: the set-up (card systems, balies and their rights,
vouchers) in ``setup``, the card stock in ``cards``."""

from cardsystems.admin import cards, setup  # noqa: F401  (registers the model admins)

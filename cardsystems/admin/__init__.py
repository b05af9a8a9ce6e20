"""The admin of card systems: the set-up (card systems, balies and their rights,
vouchers) in ``setup``, the price lists in ``prices``, the card stock in ``cards``, the
sales and what each balie collected in ``sales``, the records of what happened (audit
log, card history; read-only) in ``audit``."""

from cardsystems.admin import audit, cards, prices, sales, setup  # noqa: F401  (registers the model admins)

INSERT INTO "cardsystems_card" ("uitpas_number",
  "card_system_id",
  "card_type",
  "status") VALUES (%s,
  %s,
  %s,
  %s)

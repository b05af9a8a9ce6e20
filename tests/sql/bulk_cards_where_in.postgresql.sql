SELECT "uitpas_number",
  "id",
  "card_system_id",
  "status"
FROM "cardsystems_card"
WHERE "uitpas_number" IN (%s,
  %s) ORDER BY "id"

INSERT INTO "cardsystems_cardhistory" ("card_id",
  "from_status",
  "to_status",
  "reason",
  "user_id",
  "balie_id",
  "created_at")
SELECT "id",
  %s,
  %s,
  %s,
  %s,
  NULL,
  %s
FROM "cardsystems_card"
WHERE "id" IN (%s,
  %s)

INSERT INTO "cardsystems_cardhistory" ("card_id",
  "from_status",
  "to_status",
  "reason",
  "user_id",
  "balie_id",
  "created_at")
SELECT "cardsystems_card"."id" AS "pk",
  "cardsystems_card"."status" AS "f1",
  %s AS "value1",
  %s AS "value2",
  NULL AS "value3",
  "cardsystems_card"."balie_id" AS "f3",
  %s AS "value4"
FROM "cardsystems_card"
WHERE "cardsystems_card"."id" IN (%s,
  %s)

UPDATE "cardsystems_card" SET "chip_number" = chips.column2,
  "status" = %s
FROM (VALUES (%s,
  %s),
  (%s,
  %s)) AS chips
WHERE "cardsystems_card"."id" = chips.column1

SELECT b."id",
  b."name",
  b."consumer_key",
  b."minimum_stock",
  b."permission_group_id",
  EXISTS(SELECT 1
FROM "cardsystems_balie_staff" s
WHERE s."balie_id" = b."id" AND s."user_id" = %s)
FROM "cardsystems_balie" b
WHERE b."consumer_key" = %s

SELECT c."id",
  c."uitpas_number",
  c."chip_number",
  c."card_system_id",
  c."card_type",
  c."status",
  c."kansenpas",
  c."balie_id",
  c."passholder_id",
  cs."id",
  cs."name",
  cs."number_prefix",
  cs."kansenstatuut_grace_days",
  cs."package_size",
  EXISTS(SELECT 1
FROM "guardian_groupobjectpermission" g JOIN "auth_permission" p ON p."id" = g."permission_id"
WHERE g."group_id" = %s AND p."codename" = %s AND g."content_type_id" = %s AND g."object_pk" = CAST(cs."id" AS VARCHAR(255)))
FROM "cardsystems_card" c JOIN "cardsystems_cardsystem" cs ON cs."id" = c."card_system_id"
WHERE c."uitpas_number" = %s

SELECT m."id",
  m."passholder_id",
  m."card_system_id",
  m."status",
  m."current_card_id",
  m."kansenstatuut",
  m."kansenstatuut_end_date",
  c."id",
  c."uitpas_number",
  c."chip_number",
  c."card_system_id",
  c."card_type",
  c."status",
  c."kansenpas",
  c."balie_id",
  c."passholder_id"
FROM "passholders_membership" m LEFT JOIN "cardsystems_card" c ON c."id" = m."current_card_id"
WHERE m."passholder_id" = %s AND m."card_system_id" = %s

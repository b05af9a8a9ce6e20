SELECT p."id",
  p."card_system_id",
  p."reason",
  p."card_type",
  p."age_from",
  p."age_to",
  p."use_when_age_unknown",
  p."kansenstatuut",
  p."voucher_type_id",
  p."price",
  vt."id",
  vt."card_system_id",
  vt."name",
  vt."prefix"
FROM "cardsystems_uitpasprice" p LEFT JOIN "cardsystems_vouchertype" vt ON vt."id" = p."voucher_type_id"
WHERE p."card_system_id" = %s AND p."reason" = %s AND p."card_type" = %s AND p."kansenstatuut" = %s AND (p."voucher_type_id" IS NULL OR p."voucher_type_id" = %s) ORDER BY p."id"

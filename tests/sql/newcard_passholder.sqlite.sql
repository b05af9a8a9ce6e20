SELECT p."id",
  p."uid",
  p."first_name",
  p."name",
  p."date_of_birth",
  p."email",
  p."postal_code",
  p."city"
FROM "passholders_passholder" p
WHERE p."uid" = %s

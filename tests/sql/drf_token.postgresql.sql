SELECT t."key",
  t."user_id",
  t."created",
  u."id",
  u."password",
  u."last_login",
  u."is_superuser",
  u."username",
  u."first_name",
  u."last_name",
  u."email",
  u."is_staff",
  u."is_active",
  u."date_joined"
FROM "authtoken_token" t JOIN "auth_user" u ON u."id" = t."user_id"
WHERE t."key" = %s

INSERT INTO "uitid_usednonce" ("consumer_key",
  "token",
  "timestamp",
  "nonce") VALUES (%s,
  %s,
  %s,
  %s) ON CONFLICT DO NOTHING

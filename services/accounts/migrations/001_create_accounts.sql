-- Accounts, refresh tokens, shop memberships and partner keys.
CREATE TABLE accounts.accounts (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- NULL once erased: frees the address for a new sign-up.
  email         text        CHECK (email IS NULL OR (email = lower(email) AND length(email) BETWEEN 3 AND 254)),
  display_name  text        NOT NULL CHECK (length(display_name) <= 80),
  password_hash text        NOT NULL,
  roles         text[]      NOT NULL DEFAULT ARRAY['resident'],
  create_time   timestamptz NOT NULL DEFAULT now(),
  update_time   timestamptz NOT NULL DEFAULT now(),
  erase_time    timestamptz
);
-- Unique ignoring case without citext (an extension a service role cannot install): emails
-- are stored lower-cased, and the index is on lower(email) to hold even if one slips through.
CREATE UNIQUE INDEX accounts_email_unique ON accounts.accounts (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE accounts.shop_memberships (
  user_id     uuid        NOT NULL REFERENCES accounts.accounts (id),
  shop_id     uuid        NOT NULL,
  role        text        NOT NULL CHECK (role IN ('owner', 'staff')),
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, shop_id)
);

-- Only the SHA-256 of a refresh token is kept: a database leak yields no usable token.
CREATE TABLE accounts.refresh_tokens (
  token_hash  text        PRIMARY KEY,
  user_id     uuid        NOT NULL REFERENCES accounts.accounts (id),
  family_id   text        NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  expire_time timestamptz NOT NULL,
  spend_time  timestamptz,
  revoke_time timestamptz
);
CREATE INDEX refresh_tokens_by_family ON accounts.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_user ON accounts.refresh_tokens (user_id);

CREATE TABLE accounts.partners (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  create_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts.partner_keys (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id      uuid        NOT NULL REFERENCES accounts.partners (id),
  secret_hash     text        NOT NULL UNIQUE,
  prefix          text        NOT NULL,
  allowed_origins text[]      NOT NULL CHECK (cardinality(allowed_origins) BETWEEN 1 AND 20),
  rate_tier       text        NOT NULL CHECK (rate_tier IN ('basic', 'high')),
  create_time     timestamptz NOT NULL DEFAULT now(),
  revoke_time     timestamptz
);
CREATE INDEX partner_keys_by_partner ON accounts.partner_keys (partner_id, create_time);

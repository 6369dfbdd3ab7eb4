-- Shops grow: full profile, opening hours, members, moderation decisions, and the outbox
-- the relay publishes to `events:shops`.
ALTER TABLE shops.shops
  ADD COLUMN siret               text,
  ADD COLUMN description         text    NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  ADD COLUMN street_address      text    NOT NULL DEFAULT '' CHECK (length(street_address) <= 200),
  ADD COLUMN postal_code         text    NOT NULL DEFAULT '' CHECK (postal_code ~ '^([0-9]{5})?$'),
  ADD COLUMN latitude            double precision CHECK (latitude BETWEEN -90 AND 90),
  ADD COLUMN longitude           double precision CHECK (longitude BETWEEN -180 AND 180),
  ADD COLUMN phone               text    NOT NULL DEFAULT '' CHECK (length(phone) <= 16),
  ADD COLUMN email               text    NOT NULL DEFAULT '' CHECK (length(email) <= 254),
  ADD COLUMN website             text    NOT NULL DEFAULT '' CHECK (length(website) <= 2048),
  ADD COLUMN photo_urls          text[]  NOT NULL DEFAULT '{}' CHECK (cardinality(photo_urls) <= 10),
  ADD COLUMN click_and_collect   boolean NOT NULL DEFAULT false,
  ADD COLUMN preparation_minutes integer NOT NULL DEFAULT 0
                                 CHECK (preparation_minutes BETWEEN 0 AND 10080),
  -- comptoir.shops.v1.OpeningHours, serialized: read and written whole, evaluated in C++.
  ADD COLUMN opening_hours       bytea   NOT NULL DEFAULT '',
  -- Why the shop is suspended, shown to its members; empty otherwise.
  ADD COLUMN status_reason       text    NOT NULL DEFAULT '' CHECK (length(status_reason) <= 1000),
  -- Bumped by every change; consumers of events apply a snapshot only if newer.
  ADD COLUMN version             bigint  NOT NULL DEFAULT 1;

-- Shops created before the profile existed keep the centre of their commune.
UPDATE shops.shops s SET latitude = c.latitude, longitude = c.longitude
  FROM geo.communes c WHERE c.insee_code = s.commune_insee AND s.latitude IS NULL;

CREATE INDEX shops_by_status_commune ON shops.shops (status, commune_insee);

CREATE TABLE shops.members (
  shop_id     uuid        NOT NULL REFERENCES shops.shops (id) ON DELETE CASCADE,
  user_id     uuid        NOT NULL,
  role        text        NOT NULL CHECK (role IN ('owner', 'staff')),
  create_time timestamptz NOT NULL DEFAULT now(),
  -- Set when an owner removes the member: the row stays until accounts has dropped the shop
  -- from the user's tokens, then it is deleted.
  removed_at  timestamptz,
  -- When accounts learnt of the last change (so tokens carry the shop); NULL until then.
  synced_at   timestamptz,
  PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX members_by_user ON shops.members (user_id);
CREATE INDEX members_unsynced ON shops.members (create_time) WHERE synced_at IS NULL;

-- Every moderation decision, kept: who decided what, when and why.
CREATE TABLE shops.moderation_decisions (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  shop_id     uuid        NOT NULL REFERENCES shops.shops (id) ON DELETE CASCADE,
  decision    text        NOT NULL CHECK (decision IN ('approve', 'suspend', 'close')),
  from_status text        NOT NULL,
  to_status   text        NOT NULL,
  actor_id    uuid        NOT NULL,
  reason      text        NOT NULL DEFAULT '',
  decide_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_decisions_by_shop ON shops.moderation_decisions (shop_id, decide_time);

-- Transactional outbox (see services/common/include/comptoir/common/outbox.h).
CREATE TABLE shops.outbox (
  id           uuid        PRIMARY KEY,
  aggregate    text        NOT NULL,
  type         text        NOT NULL,
  payload      bytea       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON shops.outbox (created_at, id) WHERE published_at IS NULL;

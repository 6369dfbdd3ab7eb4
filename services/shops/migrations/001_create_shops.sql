-- Shops: the first slice of the profile (name, commune, category, moderation state).
CREATE TABLE shops.shops (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  slug          text        NOT NULL UNIQUE
                            CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 160),
  name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  commune_insee text        NOT NULL CHECK (commune_insee ~ '^[0-9][0-9AB][0-9]{3}$'),
  category      text        NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
  status        text        NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
  create_time   timestamptz NOT NULL DEFAULT now(),
  update_time   timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination, newest first, over all shops or one commune or one category.
CREATE INDEX shops_by_time ON shops.shops (create_time DESC, id DESC);
CREATE INDEX shops_by_commune ON shops.shops (commune_insee, create_time DESC, id DESC);
CREATE INDEX shops_by_category ON shops.shops (category, create_time DESC, id DESC);

-- The catalogue: products, the catalogue's copy of shop profiles, stock reservations, and
-- the French search configuration.

-- French full-text search that ignores accents: "comte" finds "Comté". unaccent runs before
-- the French stemmer on words, so both the documents and the queries are folded alike.
CREATE TEXT SEARCH CONFIGURATION catalogue.fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION catalogue.fr
  ALTER MAPPING FOR hword, hword_part, word WITH ext.unaccent, french_stem;

-- Accent- and case-folded text for trigram matching (typo tolerance). ext.unaccent(text) is
-- only STABLE (it reads the dictionary named in search_path); naming the dictionary makes
-- the result depend on its arguments alone, so the function may be IMMUTABLE and indexed.
CREATE FUNCTION catalogue.fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN lower(ext.unaccent('ext.unaccent'::regdictionary, $1));

-- The shops as the catalogue needs them, fed by the shops service's events. Never written
-- by requests. `source_version` orders events: an older one never overwrites a newer one.
CREATE TABLE catalogue.shops (
  id              uuid             PRIMARY KEY,
  slug            text             NOT NULL,
  name            text             NOT NULL,
  status          text             NOT NULL
                                   CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
  commune_insee   text             NOT NULL,
  department_code text             NOT NULL,
  latitude        double precision,
  longitude       double precision,
  category        text             NOT NULL,
  hours_summary   text             NOT NULL DEFAULT '',
  source_version  bigint           NOT NULL DEFAULT 0,
  update_time     timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE catalogue.products (
  id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id           uuid        NOT NULL,
  sku               text        NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
  name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description       text        NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  category          text        NOT NULL,
  labels            text[]      NOT NULL DEFAULT '{}',
  allergens         text[]      NOT NULL DEFAULT '{}',
  photo_urls        text[]      NOT NULL DEFAULT '{}',
  price_cents       bigint      NOT NULL CHECK (price_cents BETWEEN 0 AND 100000000),
  vat_rate_bp       integer     NOT NULL CHECK (vat_rate_bp IN (210, 550, 1000, 2000)),
  sale_unit         text        NOT NULL CHECK (length(sale_unit) BETWEEN 1 AND 40),
  net_quantity      bigint      NOT NULL DEFAULT 0 CHECK (net_quantity BETWEEN 0 AND 1000000),
  net_quantity_unit text        NOT NULL DEFAULT ''
                                CHECK (net_quantity_unit IN ('', 'g', 'kg', 'ml', 'cl', 'l')),
  stock_tracked     boolean     NOT NULL DEFAULT false,
  -- The last line of defence against overselling: no update may take stock below zero.
  stock             bigint      NOT NULL DEFAULT 0 CHECK (stock >= 0),
  visible           boolean     NOT NULL DEFAULT true,
  version           bigint      NOT NULL DEFAULT 1,
  create_time       timestamptz NOT NULL DEFAULT now(),
  update_time       timestamptz NOT NULL DEFAULT now(),
  -- The name folded for trigram matching, stored so that neither the index recheck nor the
  -- ranking runs unaccent on every candidate row.
  name_folded       text        GENERATED ALWAYS AS (catalogue.fold(name)) STORED,
  -- Name weighs more than description in the ranking.
  search_document   tsvector    GENERATED ALWAYS AS (
                      setweight(to_tsvector('catalogue.fr'::regconfig, name), 'A') ||
                      setweight(to_tsvector('catalogue.fr'::regconfig, description), 'D')) STORED,
  UNIQUE (shop_id, sku)
);

CREATE INDEX products_search ON catalogue.products USING gin (search_document);
CREATE INDEX products_name_trgm ON catalogue.products USING gin (name_folded gin_trgm_ops);
CREATE INDEX products_by_shop ON catalogue.products (shop_id, sku);
CREATE INDEX products_newest ON catalogue.products (create_time DESC, id);
CREATE INDEX products_price ON catalogue.products (price_cents, id);

-- One row per order that reserved stock; the order id is the idempotency key.
CREATE TABLE catalogue.stock_reservations (
  order_id    uuid        PRIMARY KEY,
  state       text        NOT NULL CHECK (state IN ('reserved', 'released', 'committed')),
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catalogue.stock_reservation_lines (
  order_id   uuid   NOT NULL REFERENCES catalogue.stock_reservations (order_id),
  product_id uuid   NOT NULL,
  quantity   bigint NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);

-- Events already applied by this service's consumers (see common/event_consumer.h).
CREATE TABLE catalogue.processed_events (
  consumer_group text        NOT NULL,
  event_id       uuid        NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

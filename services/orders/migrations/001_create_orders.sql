-- Orders: checkouts (one per idempotency key), their orders (one per shop) with frozen lines,
-- each order's history, the outbox of order events and the dedupe table of delivery events.

-- One sequence for every year: numbers stay unique even if the year in them changes.
CREATE SEQUENCE orders.order_number_seq;

CREATE TABLE orders.checkouts (
  id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_user_id uuid        NOT NULL,
  idempotency_key  text        NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 100),
  request_hash     text        NOT NULL,
  status           text        NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'placed', 'failed')),
  -- The gRPC code and message answered to a failed checkout (replayed as is).
  failure_code     integer     NOT NULL DEFAULT 0,
  failure_reason   text        NOT NULL DEFAULT '',
  -- The request (or reconciler) running the saga owns it until then; after, anyone may
  -- take it over.
  claimed_until    timestamptz NOT NULL,
  create_time      timestamptz NOT NULL DEFAULT now(),
  update_time      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_user_id, idempotency_key)
);
CREATE INDEX checkouts_pending ON orders.checkouts (claimed_until) WHERE status = 'pending';
CREATE INDEX checkouts_by_time ON orders.checkouts (create_time);

CREATE TABLE orders.orders (
  id                     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  number                 text        NOT NULL UNIQUE,
  checkout_id            uuid        NOT NULL REFERENCES orders.checkouts (id),
  shop_id                uuid        NOT NULL,
  shop_name              text        NOT NULL DEFAULT '',
  customer_user_id       uuid        NOT NULL,
  customer_name          text        NOT NULL,
  customer_phone         text        NOT NULL,
  status                 text        NOT NULL CHECK (status IN (
                           'pending', 'placed', 'accepted', 'rejected', 'ready', 'collected',
                           'cancelled', 'out_for_delivery', 'delivered', 'delivery_failed',
                           'failed')),
  status_reason          text        NOT NULL DEFAULT '',
  fulfilment             text        NOT NULL CHECK (fulfilment IN ('pickup', 'delivery')),
  slot_id                text        NOT NULL,
  slot_start             timestamptz,
  slot_end               timestamptz,
  delivery_address       text        NOT NULL DEFAULT '',
  delivery_commune_insee text        NOT NULL DEFAULT '',
  delivery_postal_code   text        NOT NULL DEFAULT '',
  items_cents            bigint      NOT NULL CHECK (items_cents >= 0),
  delivery_fee_cents     bigint      NOT NULL CHECK (delivery_fee_cents >= 0),
  total_cents            bigint      NOT NULL CHECK (total_cents = items_cents + delivery_fee_cents),
  payment_method         text        NOT NULL,
  payment_state          text        NOT NULL CHECK (payment_state IN ('due', 'paid', 'void')),
  -- Stock and slot work still owed to catalogue/delivery after a committed transition
  -- ('release' or 'commit'); cleared once done. The reconciler retries what is left.
  held_goods_action      text        NOT NULL DEFAULT ''
                               CHECK (held_goods_action IN ('', 'release', 'commit')),
  version                bigint      NOT NULL DEFAULT 1,
  create_time            timestamptz NOT NULL DEFAULT now(),
  update_time            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_customer ON orders.orders (customer_user_id, create_time DESC, id DESC);
CREATE INDEX orders_by_shop ON orders.orders (shop_id, create_time DESC, id DESC);
CREATE INDEX orders_by_checkout ON orders.orders (checkout_id);
CREATE INDEX orders_owing_goods ON orders.orders (update_time) WHERE held_goods_action <> '';

CREATE TABLE orders.order_lines (
  order_id         uuid    NOT NULL REFERENCES orders.orders (id),
  position         integer NOT NULL,
  product_id       uuid    NOT NULL,
  sku              text    NOT NULL,
  name             text    NOT NULL,
  sale_unit        text    NOT NULL,
  quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
  unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
  vat_rate_bp      integer NOT NULL,
  total_cents      bigint  NOT NULL,
  vat_cents        bigint  NOT NULL,
  PRIMARY KEY (order_id, position)
);

CREATE TABLE orders.order_history (
  id            bigserial   PRIMARY KEY,
  order_id      uuid        NOT NULL REFERENCES orders.orders (id),
  from_status   text        NOT NULL,
  to_status     text        NOT NULL,
  actor_user_id text        NOT NULL DEFAULT '',
  actor_role    text        NOT NULL,
  reason        text        NOT NULL DEFAULT '',
  time          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_history_by_order ON orders.order_history (order_id, id);

CREATE TABLE orders.outbox (
  id           uuid        PRIMARY KEY,
  aggregate    text        NOT NULL,
  type         text        NOT NULL,
  payload      bytea       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON orders.outbox (created_at, id) WHERE published_at IS NULL;

CREATE TABLE orders.processed_events (
  consumer_group text        NOT NULL,
  event_id       uuid        NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

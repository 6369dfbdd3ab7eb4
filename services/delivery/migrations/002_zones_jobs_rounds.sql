-- Zones and quotes, the delivery jobs made from the orders' events, and the couriers' rounds.

-- The shops as delivery needs them (depot point, hours, preparation time), fed by the shops
-- service's events. `source_version` orders events: an older one never overwrites a newer one.
CREATE TABLE delivery.shops (
  id                  uuid             PRIMARY KEY,
  name                text             NOT NULL,
  status              text             NOT NULL
                                       CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
  commune_insee       text             NOT NULL,
  latitude            double precision,
  longitude           double precision,
  preparation_minutes integer          NOT NULL DEFAULT 0,
  -- comptoir.shops.v1.OpeningHours, serialized: read whole, never queried into.
  opening_hours       bytea            NOT NULL DEFAULT ''::bytea,
  source_version      bigint           NOT NULL DEFAULT 0,
  update_time         timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE delivery.zones (
  id                            uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id                       uuid             NOT NULL,
  position                      integer          NOT NULL,
  name                          text             NOT NULL,
  communes                      text             NOT NULL DEFAULT '',  -- INSEE codes, comma-separated
  departments                   text             NOT NULL DEFAULT '',  -- department codes, comma-separated
  radius_km                     double precision NOT NULL DEFAULT 0 CHECK (radius_km BETWEEN 0 AND 100),
  fee_cents                     bigint           NOT NULL CHECK (fee_cents >= 0),
  minimum_order_cents           bigint           NOT NULL CHECK (minimum_order_cents >= 0),
  free_delivery_threshold_cents bigint           NOT NULL CHECK (free_delivery_threshold_cents >= 0),
  UNIQUE (shop_id, position)
);

-- One job per order delivered. `status`: pending (to plan) -> planned (in a round) ->
-- picked_up -> delivered | failed; cancelled when the order is cancelled or rejected.
CREATE TABLE delivery.jobs (
  order_id       uuid             PRIMARY KEY,
  order_number   text             NOT NULL,
  shop_id        uuid             NOT NULL,
  status         text             NOT NULL CHECK (status IN ('pending', 'planned', 'picked_up',
                                                           'delivered', 'failed', 'cancelled')),
  day            date             NOT NULL,  -- local day (Europe/Paris) of the slot
  window_start   timestamptz      NOT NULL,
  window_end     timestamptz      NOT NULL,
  latitude       double precision NOT NULL,
  longitude      double precision NOT NULL,
  address        text             NOT NULL,
  postal_code    text             NOT NULL,
  commune_insee  text             NOT NULL,
  commune_name   text             NOT NULL,
  customer_name  text             NOT NULL,
  customer_phone text             NOT NULL,
  source_version bigint           NOT NULL,
  update_time    timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX jobs_to_plan ON delivery.jobs (shop_id, day) WHERE status = 'pending';

CREATE TABLE delivery.job_lines (
  order_id  uuid    NOT NULL REFERENCES delivery.jobs (order_id) ON DELETE CASCADE,
  position  integer NOT NULL,
  name      text    NOT NULL,
  quantity  integer NOT NULL,
  sale_unit text    NOT NULL,
  PRIMARY KEY (order_id, position)
);

CREATE TABLE delivery.rounds (
  id              uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
  depot_shop_id   uuid             NOT NULL,
  day             date             NOT NULL,
  courier_user_id uuid             NOT NULL,
  depot_latitude  double precision NOT NULL,
  depot_longitude double precision NOT NULL,
  departure_time  timestamptz      NOT NULL,
  return_time     timestamptz      NOT NULL,
  distance_metres bigint           NOT NULL,
  planned_by      uuid             NOT NULL,
  create_time     timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX rounds_by_courier ON delivery.rounds (courier_user_id, day);

CREATE TABLE delivery.stops (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  round_id    uuid        NOT NULL REFERENCES delivery.rounds (id),
  position    integer     NOT NULL,
  order_id    uuid        NOT NULL REFERENCES delivery.jobs (order_id),
  eta         timestamptz NOT NULL,
  status      text        NOT NULL CHECK (status IN ('planned', 'picked_up', 'delivered', 'failed',
                                                     'cancelled')),
  reason      text        NOT NULL DEFAULT '',
  update_time timestamptz NOT NULL DEFAULT now(),
  UNIQUE (round_id, position)
);
-- A job is in at most one live stop.
CREATE UNIQUE INDEX stops_one_per_order ON delivery.stops (order_id) WHERE status <> 'cancelled';

CREATE TABLE delivery.outbox (
  id           uuid        PRIMARY KEY,
  aggregate    text        NOT NULL,
  type         text        NOT NULL,
  payload      bytea       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON delivery.outbox (created_at, id) WHERE published_at IS NULL;

CREATE TABLE delivery.processed_events (
  consumer_group text        NOT NULL,
  event_id       uuid        NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Slots: weekly templates per shop, one counter row per dated slot ever booked, and one
-- booking per order. PostgreSQL is the truth for capacity: a booking increments its counter
-- with a conditional UPDATE (booked < capacity) under the row lock, so concurrent bookings
-- serialise on that row and capacity is never exceeded.
CREATE TABLE delivery.slot_templates (
  id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id            uuid        NOT NULL,
  kind               text        NOT NULL CHECK (kind IN ('pickup', 'delivery')),
  weekday            smallint    NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_minute       smallint    NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute         smallint    NOT NULL CHECK (end_minute > start_minute AND end_minute <= 1440),
  capacity           integer     NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
  cutoff_days_before smallint    NOT NULL CHECK (cutoff_days_before BETWEEN 0 AND 14),
  cutoff_minute      smallint    NOT NULL CHECK (cutoff_minute BETWEEN 0 AND 1440),
  -- Replaced templates are retired, not deleted: booked slots still name them.
  active             boolean     NOT NULL DEFAULT true,
  create_time        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slot_templates_by_shop ON delivery.slot_templates (shop_id) WHERE active;

CREATE TABLE delivery.slot_counters (
  template_id uuid    NOT NULL REFERENCES delivery.slot_templates (id),
  day         date    NOT NULL,  -- local date (Europe/Paris)
  capacity    integer NOT NULL CHECK (capacity >= 0),
  booked      integer NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
  PRIMARY KEY (template_id, day)
);

CREATE TABLE delivery.slot_bookings (
  order_id     uuid        PRIMARY KEY,
  shop_id      uuid        NOT NULL,
  template_id  uuid        NOT NULL,
  day          date        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('booked', 'released')),
  book_time    timestamptz NOT NULL DEFAULT now(),
  release_time timestamptz,
  FOREIGN KEY (template_id, day) REFERENCES delivery.slot_counters (template_id, day)
);
CREATE INDEX slot_bookings_by_slot ON delivery.slot_bookings (template_id, day) WHERE status = 'booked';

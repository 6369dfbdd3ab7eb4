-- Exceptional closures of a shop's slots: local days (Europe/Paris, inclusive) when the shop
-- takes no pickup and/or delivery booking. Bookings made before a closure stay (the closure
-- reports them); slot listing and booking skip closed days.
CREATE TABLE delivery.slot_closures (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id     uuid        NOT NULL,
  first_day   date        NOT NULL,
  last_day    date        NOT NULL CHECK (last_day >= first_day AND last_day - first_day < 366),
  pickup      boolean     NOT NULL,
  delivery    boolean     NOT NULL,
  reason      text        NOT NULL DEFAULT '' CHECK (char_length(reason) <= 200),
  create_time timestamptz NOT NULL DEFAULT now(),
  CHECK (pickup OR delivery)
);
CREATE INDEX slot_closures_by_shop ON delivery.slot_closures (shop_id, last_day);
CREATE INDEX slot_bookings_by_shop_day ON delivery.slot_bookings (shop_id, day) WHERE status = 'booked';

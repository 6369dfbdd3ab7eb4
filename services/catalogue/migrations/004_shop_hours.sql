-- The shops' opening hours (a serialized comptoir.shops.v1.OpeningHours, as the shops service
-- publishes them) so searches can keep the products of shops open now.
ALTER TABLE catalogue.shops ADD COLUMN opening_hours bytea NOT NULL DEFAULT '';

-- Searches without words walk a btree in the sort's order and stop after one page: the
-- "price down" order (price descending, id ascending for ties) needs its own index.
CREATE INDEX products_price_desc ON catalogue.products (price_cents DESC, id);

-- Searches around a point keep the shops within the radius, then fetch their products of
-- the wanted category by shop.
CREATE INDEX products_by_shop_category ON catalogue.products (shop_id, category);
CREATE INDEX shops_position ON catalogue.shops (latitude, longitude) WHERE status = 'active';

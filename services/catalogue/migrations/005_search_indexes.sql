-- Searches around a point without words walk each nearby shop's products of a category in
-- id order and stop after one page: (shop_id, category, id) serves that walk, and replaces
-- the (shop_id, category) index it extends.
CREATE INDEX products_by_shop_category_id ON catalogue.products (shop_id, category, id);
DROP INDEX catalogue.products_by_shop_category;
-- The index of UNIQUE (shop_id, sku) already serves lookups and lists by shop: this copy only
-- cost writes and memory.
DROP INDEX catalogue.products_by_shop;

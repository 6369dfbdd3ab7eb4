-- Regional figures: orders per day and per department of the selling shop. The department is
-- a snapshot taken at checkout, like the shop's name; orders placed before this column existed
-- count under the empty code.
ALTER TABLE orders.orders
  ADD COLUMN shop_department_code text NOT NULL DEFAULT ''
    CHECK (shop_department_code ~ '^([0-9]{2,3}|2[AB])?$');
CREATE INDEX orders_by_time ON orders.orders (create_time);

-- Who ordered each delivery, so "export my data" and "erase my account" reach the customer's
-- name, phone and address kept in delivery jobs. Jobs made before this column have none.
ALTER TABLE delivery.jobs ADD COLUMN customer_user_id uuid;
CREATE INDEX jobs_by_customer ON delivery.jobs (customer_user_id)
  WHERE customer_user_id IS NOT NULL;

-- Typo tolerance compares the query with product names by trigrams. Names repeat across
-- shops ("Baguette tradition"), so the trigram index over every product reads long lists
-- for common trigrams; over the distinct names it reads few. Products are then fetched by
-- their name.
--
-- A name is remembered when a product gets it and never forgotten (a name no product holds
-- any more matches nothing). No unique constraint on purpose: concurrent writers of the same
-- new name would wait on each other (and could deadlock across imports); a rare duplicate
-- is harmless, searches read the names as a set.
CREATE TABLE catalogue.product_names (
  name_folded text NOT NULL
);
CREATE INDEX product_names_by_name ON catalogue.product_names (name_folded);
CREATE INDEX product_names_trgm ON catalogue.product_names USING gin (name_folded gin_trgm_ops);
INSERT INTO catalogue.product_names SELECT DISTINCT name_folded FROM catalogue.products;

CREATE INDEX products_by_name_folded ON catalogue.products (name_folded);

CREATE FUNCTION catalogue.remember_product_name() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalogue.product_names (name_folded)
    SELECT NEW.name_folded
    WHERE NOT EXISTS (SELECT 1 FROM catalogue.product_names WHERE name_folded = NEW.name_folded);
  RETURN NULL;
END
$$;

CREATE TRIGGER products_remember_name
  AFTER INSERT OR UPDATE OF name ON catalogue.products
  FOR EACH ROW EXECUTE FUNCTION catalogue.remember_product_name();

-- Searches no longer match trigrams on every product.
DROP INDEX catalogue.products_name_trgm;

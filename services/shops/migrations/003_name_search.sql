-- Name search tolerant to accents, case, punctuation and small typos: a folded copy of the
-- name ("Épicerie de l'Abbaye" -> "epicerie de l abbaye") with a trigram index.
-- ext.unaccent(text) is only STABLE (it reads the dictionary named in search_path); naming
-- the dictionary makes the result depend on its argument alone, so the function may be
-- IMMUTABLE and used in a generated column. Commune look-ups fold with it too.
CREATE FUNCTION shops.fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN btrim(regexp_replace(lower(ext.unaccent('ext.unaccent'::regdictionary, $1)),
                              '[^a-z0-9]+', ' ', 'g'));

ALTER TABLE shops.shops ADD COLUMN name_folded text GENERATED ALWAYS AS (shops.fold(name)) STORED;
CREATE INDEX shops_name_folded_trgm ON shops.shops USING gin (name_folded ext.gin_trgm_ops);

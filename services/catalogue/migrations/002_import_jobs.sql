-- CSV imports run as jobs whose progress any replica can read while one of them runs it.
CREATE TABLE catalogue.import_jobs (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id         uuid        NOT NULL,
  created_by      text        NOT NULL,
  state           text        NOT NULL
                              CHECK (state IN ('queued', 'validating', 'applying', 'succeeded',
                                               'failed')),
  -- The file, kept until the job ends.
  csv             bytea,
  lines_read      integer     NOT NULL DEFAULT 0,
  lines_validated integer     NOT NULL DEFAULT 0,
  lines_applied   integer     NOT NULL DEFAULT 0,
  created_count   integer     NOT NULL DEFAULT 0,
  updated_count   integer     NOT NULL DEFAULT 0,
  error_count     integer     NOT NULL DEFAULT 0,
  -- The reported errors: a serialized comptoir.catalogue.v1.ImportJob holding only them.
  errors          bytea       NOT NULL DEFAULT '',
  encoding        text        NOT NULL DEFAULT '',
  message         text        NOT NULL DEFAULT '',
  -- A running job whose runner stopped renewing this is taken over by another worker.
  lease_until     timestamptz,
  create_time     timestamptz NOT NULL DEFAULT now(),
  update_time     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX import_jobs_pending ON catalogue.import_jobs (create_time)
  WHERE state IN ('queued', 'validating', 'applying');
CREATE INDEX import_jobs_by_shop ON catalogue.import_jobs (shop_id, create_time);

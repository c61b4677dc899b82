-- DuckDB functions the store's SQL uses that PostgreSQL lacks, made once per database (a migration "0" for
-- PostgreSQL only). Everything else is rewritten by the dialect seam (dialect.py).
-- isfinite(double): PostgreSQL has it for dates and timestamps only; the observation table's CHECK needs it
-- (IMMUTABLE, so a CHECK may call it).
CREATE OR REPLACE FUNCTION isfinite(double precision) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT $1 <> 'Infinity'::float8 AND $1 <> '-Infinity'::float8 AND $1 <> 'NaN'::float8 $$;

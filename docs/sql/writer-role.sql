-- The role the web process writes with (WRITE_DATABASE_URL): only the grants its writes need.
-- Run as the owner of the tables (dashboard_loader) after `python -m data demo` or a first load.
-- Reads stay on the read-only role (DATABASE_URL, dashboard_reader). See docs/operations.md.
CREATE ROLE dashboard_writer LOGIN PASSWORD 'change-me';
GRANT CONNECT ON DATABASE csc TO dashboard_writer;
GRANT USAGE ON SCHEMA public TO dashboard_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO dashboard_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO dashboard_writer;
-- every write is a load record (kept, or dropped again when it changed nothing), audited
GRANT INSERT, DELETE ON loads TO dashboard_writer;
GRANT UPDATE (rows_added, rows_revised, rows_unchanged, note) ON loads TO dashboard_writer;
GRANT INSERT ON audit, findings TO dashboard_writer;
-- facts: new revisions are inserted; the old one is only marked superseded, never changed or deleted
GRANT INSERT ON commentary, actions, process_changes, figures, targets, benchmarks, org_units TO dashboard_writer;
GRANT UPDATE (is_current, superseded_by)
  ON commentary, actions, process_changes, figures, targets, benchmarks, org_units TO dashboard_writer;
-- uploads run python -m data load's code, which records the schema version and syncs the KPI list
GRANT UPDATE (value) ON settings TO dashboard_writer;
GRANT INSERT ON settings TO dashboard_writer;  -- the stored report's version and rules, on the first write
-- the stored report and the current findings are derived, rebuilt by every write in its transaction
GRANT INSERT, DELETE ON report, report_series, current_findings TO dashboard_writer;
GRANT INSERT, UPDATE ON kpis TO dashboard_writer;

-- orgscope's own tables: datasets, dashboards, widgets, automations and their
-- runs. Every row belongs to one organization (org_id); every query that
-- reads or writes them is bound to the caller's organization by the code
-- that issues it.
--
-- Conventions: snake_case columns, timestamps as integer epoch milliseconds,
-- JSON columns checked with json_valid. A record outlives the user who
-- created it (created_by_id is set null), so deleting a user never fails. The rows of each dataset live in a
-- table of their own (dataset.table_name), created by orgscope with a name
-- it makes itself, never one a client chose.

create table dataset (
  id text primary key,
  org_id text not null,
  name text not null,
  description text,
  table_name text not null unique,
  schema text not null check (json_valid(schema) and json_type(schema) = 'array'),
  sample_data text check (sample_data is null or json_valid(sample_data)),
  created_by_id text references "user" ("id") on delete set null,
  created_at integer not null,
  updated_at integer not null
);

create table dashboard (
  id text primary key,
  org_id text not null,
  name text not null,
  description text,
  created_by_id text references "user" ("id") on delete set null,
  created_at integer not null,
  updated_at integer not null
);

create table widget (
  id text primary key,
  dashboard_id text not null references dashboard (id) on delete cascade,
  org_id text not null,
  dataset_id text references dataset (id),
  title text not null,
  type text not null check (type in ('chart', 'metric', 'table')),
  config text not null check (json_valid(config)),
  position integer not null,
  created_by_id text references "user" ("id") on delete set null,
  created_at integer not null,
  updated_at integer not null
);

create table automation (
  id text primary key,
  org_id text not null,
  name text not null,
  description text,
  type text not null check (type in ('threshold_alert', 'scheduled_report')),
  config text not null check (json_valid(config)),
  enabled integer not null default 1 check (enabled in (0, 1)),
  created_by_id text references "user" ("id") on delete set null,
  created_at integer not null,
  updated_at integer not null
);

create table automation_run (
  id text primary key,
  automation_id text not null references automation (id) on delete cascade,
  org_id text not null,
  status text not null check (status in ('success', 'failed', 'pending')),
  result text check (result is null or json_valid(result)),
  error text,
  executed_at integer not null,
  -- The due time (epoch ms) a scheduled run was made for; null for a run
  -- started by hand. Unique per automation, so that two overlapping cron
  -- invocations cannot both run one automation for the same due time.
  scheduled_for integer
);

create index dataset_org_id_idx on dataset (org_id);
create index dashboard_org_id_idx on dashboard (org_id);
create index widget_dashboard_id_idx on widget (dashboard_id);
create index widget_org_id_idx on widget (org_id);
create index automation_org_id_idx on automation (org_id);

-- Deleting a dataset first looks for the widgets that still use it.
create index widget_dataset_id_idx on widget (dataset_id);
-- list_automation_runs reads one automation's runs, newest first.
create index automation_run_automation_id_idx on automation_run (automation_id, executed_at);
-- The claim that makes a scheduled run happen once per due time.
create unique index automation_run_scheduled_idx on automation_run (automation_id, scheduled_for);
-- The cron handler scans only the enabled automations.
create index automation_enabled_idx on automation (enabled) where enabled = 1;

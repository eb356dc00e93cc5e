// The shapes orgscope's API answers and takes, as the console uses them.
// They mirror the Rust types named beside each (src/model.rs and the tool
// modules); every string in them may come from another user or an agent.

export type ColumnType = "text" | "integer" | "real" | "boolean" | "date";
export type Aggregate = "count" | "sum" | "avg" | "min" | "max";
export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "contains" | "is_null";
export type ChartType = "bar" | "line" | "area" | "pie";
export type WidgetType = "chart" | "metric" | "table";
export type ThresholdOp = "gt" | "gte" | "lt" | "lte" | "eq";
export type Scalar = string | number | boolean | null;

/** `ColumnDef` */
export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

/** `Filter` */
export interface Filter {
  column: string;
  op: FilterOp;
  value?: Scalar | Scalar[];
}

/** `OrderBy` */
export interface OrderBy {
  column: string;
  direction?: "asc" | "desc";
}

/** `GET /api/whoami` */
export interface Whoami {
  userId: string;
  email: string;
  orgId: string;
  roles: string[];
}

/** The `user` of sign-up, sign-in and get-session. */
export interface User {
  id: string;
  name: string;
  email: string;
}

/** `store::organizations::Organization` */
export interface Organization {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

/** `store::members::MemberWithUser` */
export interface Member {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  createdAt: string;
  user: { id: string; name: string; email: string };
}

/** `store::invitations::Invitation` */
export interface Invitation {
  id: string;
  organizationId: string;
  email: string;
  role: string | null;
  status: string;
  expiresAt: string;
  createdAt: string;
  inviterId: string;
}

/** `store::invitations::InvitationForUser` */
export interface UserInvitation extends Invitation {
  organizationName: string;
}

/** `get-full-organization` */
export interface FullOrganization extends Organization {
  members: Member[];
  invitations: Invitation[];
}

/** `datasets::Dataset` */
export interface Dataset {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  columns: ColumnDef[];
  sampleRows: Record<string, Scalar>[];
  createdById: string | null;
  createdAt: number;
  updatedAt: number;
}

/** `datasets::QueryResult` */
export interface QueryResult {
  columns: string[];
  rows: Record<string, Scalar>[];
}

/** `dashboards::Dashboard` */
export interface Dashboard {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  createdById: string | null;
  createdAt: number;
  updatedAt: number;
}

/** `ChartConfig` */
export interface ChartConfig {
  chartType: ChartType;
  x: string;
  y: string;
  aggregate: Aggregate;
  groupBy?: string;
  filters?: Filter[];
  limit?: number;
}

/** `MetricConfig` */
export interface MetricConfig {
  column: string;
  aggregate: Aggregate;
  filters?: Filter[];
}

/** `TableConfig` */
export interface TableConfig {
  columns: string[];
  orderBy?: OrderBy;
  limit?: number;
}

export type WidgetConfig = ChartConfig | MetricConfig | TableConfig;

/** `widgets::Widget` */
export interface Widget {
  id: string;
  dashboardId: string;
  orgId: string;
  datasetId: string;
  title: string;
  type: WidgetType;
  config: WidgetConfig;
  position: number;
  createdById: string | null;
}

/** `widgets::render::Series` */
export interface Series {
  name: string;
  points: { x: Scalar; y: Scalar }[];
}

/** `widgets::render::Rendered` */
export type Rendered =
  | { type: "chart"; chartType: ChartType; series: Series[] }
  | { type: "metric"; value: Scalar }
  | { type: "table"; columns: string[]; rows: Record<string, Scalar>[] };

/** `widgets::RenderedWidget` */
export interface RenderedWidget {
  widgetId: string;
  title: string;
  type: WidgetType;
  position: number;
  data: Rendered;
}

/** `ThresholdAlertConfig` */
export interface ThresholdAlertConfig {
  datasetId: string;
  column: string;
  aggregate: Aggregate;
  operator: ThresholdOp;
  threshold: number;
  filters?: Filter[];
  schedule: string;
}

/** `ScheduledReportConfig` */
export interface ScheduledReportConfig {
  dashboardId: string;
  schedule: string;
}

/** `automations::Automation` */
export type Automation = {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  enabled: boolean;
  createdById: string | null;
  createdAt: number;
} & (
  | { type: "threshold_alert"; config: ThresholdAlertConfig }
  | { type: "scheduled_report"; config: ScheduledReportConfig }
);

/** `automations::Run` */
export interface Run {
  id: string;
  automationId: string;
  status: string;
  result: unknown;
  error: string | null;
  executedAt: number;
  scheduledFor: number | null;
}

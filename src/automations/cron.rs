//! The Cron Trigger's work: run every enabled automation, of every
//! organization, whose schedule has come due since its last scheduled run.
//!
//! A run is claimed before it starts by inserting its row with the due time
//! (`automation_run.scheduled_for`, unique per automation), so two
//! overlapping invocations never run one automation twice for the same due
//! time. One automation failing never stops the others.

use serde::Deserialize;

use super::schedule::Schedule;
use super::{claim_run, execute_and_record, Automation, Row};
use crate::error::Result;
use crate::ids;
use crate::log;
use crate::scope::OrgScope;
use crate::store::{Db, Joined};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LastRun {
    last_scheduled_for: Option<i64>,
}

/// What one invocation did.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub checked: usize,
    pub ran: usize,
    pub failed: usize,
}

/// Runs the automations due at `now_ms`.
pub async fn run_due(db: &Db, now_ms: i64) -> Result<Summary> {
    let rows: Vec<Joined<Row, LastRun>> = db
        .all(
            r#"select a.id, a.org_id as "orgId", a.name, a.description, a.type, a.config, a.enabled,
                      a.created_by_id as "createdById", a.created_at as "createdAt",
                      a.updated_at as "updatedAt",
                      (select max(r.scheduled_for) from automation_run r
                       where r.automation_id = a.id) as "lastScheduledFor"
               from automation a where a.enabled = 1"#,
            &[],
        )
        .await?;

    let mut summary = Summary::default();
    for Joined(row, last_run) in rows {
        summary.checked += 1;
        let last = last_run.last_scheduled_for;
        let id = row.id.clone();
        match run_if_due(db, row, last, now_ms).await {
            Ok(true) => summary.ran += 1,
            Ok(false) => {}
            Err(error) => {
                summary.failed += 1;
                log::event(
                    "automation_failed",
                    serde_json::json!({ "automationId": id, "error": error.to_string() }),
                );
            }
        }
    }
    Ok(summary)
}

/// Runs one automation if a due time has passed since it was created and
/// since its last scheduled run; answers whether it ran.
async fn run_if_due(db: &Db, row: Row, last: Option<i64>, now_ms: i64) -> Result<bool> {
    let automation = Automation::try_from(row)?;
    let Ok(schedule) = Schedule::parse(automation.config.schedule()) else {
        return Ok(false);
    };
    let Some(due) = schedule.latest_due_at_or_before(now_ms) else {
        return Ok(false);
    };
    if due < automation.created_at || last.is_some_and(|last| due <= last) {
        return Ok(false);
    }
    let scope = OrgScope::for_system(db, &automation.org_id);
    let run_id = ids::generate_id("run")?;
    if !claim_run(&scope, &automation.id, &run_id, Some(due)).await? {
        return Ok(false);
    }
    execute_and_record(&scope, &automation, &run_id).await?;
    Ok(true)
}

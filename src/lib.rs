//! orgscope: a multi-tenant backend for AI-agent apps, as a Cloudflare Worker
//! on D1.
//!
//! The event handlers below stay thin: the fetch handler times and logs each
//! request and hands it to [`routes::dispatch`]; the scheduled handler runs
//! the automations that are due.
//!
//! Every response carries `x-d1-round-trips`, how many times the request
//! went to D1 (a batch counts once), and `x-d1-statements`, how many
//! statements it ran (each of a batch counts), so cost can be read from
//! outside.

pub mod app;
pub mod auth;
pub mod automations;
pub mod config;
pub mod dashboards;
pub mod datasets;
pub mod error;
pub mod http;
pub mod ids;
pub mod json;
pub mod log;
pub mod model;
pub mod organization;
pub mod routes;
pub mod scope;
pub mod store;
pub mod time;
pub mod tools;
pub mod widgets;

use worker::{event, Context, Env, Request, Response, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let started = time::now_ms();
    let method = req.method().to_string();
    let path = req.path();

    let (outcome, cost) = match app::App::from_env(&env) {
        Ok(app) => {
            let outcome = routes::dispatch(req, &app).await;
            let cost = log::D1Cost {
                round_trips: app.db.round_trips(),
                statements: app.db.statements(),
            };
            (outcome, cost)
        }
        Err(error) => (Err(error), log::D1Cost::default()),
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            http::error_response(&error).map_err(|e| worker::Error::RustError(e.to_string()))?
        }
    };

    let headers = response.headers_mut();
    headers.set("x-d1-round-trips", &cost.round_trips.to_string())?;
    headers.set("x-d1-statements", &cost.statements.to_string())?;
    log::request(
        &method,
        &path,
        response.status_code(),
        time::now_ms() - started,
        cost,
    );
    Ok(response)
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = event.schedule() as i64;
    let outcome = match app::App::from_env(&env) {
        Ok(app) => automations::run_due(&app.db, now).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(summary) => log::event(
            "scheduled",
            serde_json::json!({ "cron": event.cron(), "scheduledTime": now, "summary": summary }),
        ),
        Err(error) => log::server_error(&error),
    }
}

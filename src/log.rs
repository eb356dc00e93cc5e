//! Structured logs: one JSON line per request, and one per server error.
//!
//! Lines carry ids, methods, paths and statuses, never a cookie, token,
//! password or secret. Paths are logged without their query string, which
//! can hold ids a client did not mean to publish.

use serde_json::{json, Value};

use crate::error::Error;

/// What a request cost in D1: round trips (a batch counts once) and
/// statements (each statement of a batch counts).
#[derive(Debug, Clone, Copy, Default)]
pub struct D1Cost {
    pub round_trips: u32,
    pub statements: u32,
}

/// One line for a finished request.
pub fn request(method: &str, path: &str, status: u16, duration_ms: i64, d1: D1Cost) {
    emit(json!({
        "level": if status >= 500 { "error" } else { "info" },
        "event": "request",
        "method": method,
        "path": path,
        "status": status,
        "durationMs": duration_ms,
        "d1RoundTrips": d1.round_trips,
        "d1Statements": d1.statements,
    }));
}

/// The cause of a server error, logged once where it becomes a response.
pub fn server_error(error: &Error) {
    emit(json!({
        "level": "error",
        "event": "server_error",
        "code": error.code(),
        "cause": error.to_string(),
    }));
}

/// A line about a scheduled run or another event outside a request.
pub fn event(event: &str, fields: Value) {
    let mut line = json!({ "level": "info", "event": event });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    emit(line);
}

#[cfg(target_arch = "wasm32")]
fn emit(line: Value) {
    worker::console_log!("{line}");
}

#[cfg(not(target_arch = "wasm32"))]
fn emit(line: Value) {
    eprintln!("{line}");
}

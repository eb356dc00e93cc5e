//! Fuzzes request parsing: arbitrary bytes as the body of a tool call, read
//! into real argument types with `orgscope::http::parse_json`, and JSON
//! values read as the stored widget and automation configurations. A bad
//! body must be the client's error (400 or 413), never a panic or a 500.

#![no_main]

use libfuzzer_sys::fuzz_target;
use orgscope::datasets::query::{validate_columns, QuerySpec};
use orgscope::error::{Error, Result};
use orgscope::http::{parse_json, TOOL_BODY_LIMIT};
use orgscope::model::{AutomationConfig, AutomationType, ColumnDef, WidgetConfig, WidgetType};
use orgscope::{automations, dashboards, datasets, widgets};
use serde::de::DeserializeOwned;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    // The top bit picks a limit the body may exceed, so that the 413 path
    // is fuzzed too; the rest picks the argument type.
    let limit = if selector & 0x80 == 0 {
        TOOL_BODY_LIMIT
    } else {
        usize::from(selector & 0x3f)
    };
    let too_long = body.len() > limit;
    match selector & 0x0f {
        0 => check_value(body, limit),
        1 => check_args::<datasets::CreateArgs>(body, limit),
        2 => check_args::<datasets::AppendArgs>(body, limit),
        3 => check_args::<datasets::QueryArgs>(body, limit),
        4 => check_args::<dashboards::CreateArgs>(body, limit),
        5 => check_args::<dashboards::UpdateArgs>(body, limit),
        6 => check_args::<widgets::AddArgs>(body, limit),
        7 => check_args::<widgets::UpdateArgs>(body, limit),
        8 => check_args::<automations::CreateArgs>(body, limit),
        9 => check_args::<automations::UpdateArgs>(body, limit),
        10 => check_args::<QuerySpec>(body, limit),
        _ => check_columns(body, limit),
    }
    if too_long {
        // Checked again on its own so that every type above is covered.
        let refused = parse_json::<Value>(body, limit);
        assert!(matches!(refused, Err(Error::PayloadTooLarge { .. })));
    }
});

fn check_args<T: DeserializeOwned>(body: &[u8], limit: usize) {
    parse_or_refuse::<T>(body, limit);
}

/// Parses `body` as `T`; any refusal must be a client error.
fn parse_or_refuse<T: DeserializeOwned>(body: &[u8], limit: usize) -> Option<T> {
    let parsed: Result<T> = parse_json(body, limit);
    match parsed {
        Ok(args) => Some(args),
        Err(error) => {
            assert_client_error(&error, body, limit);
            None
        }
    }
}

fn assert_client_error(error: &Error, body: &[u8], limit: usize) {
    let status = error.status();
    assert!(
        status == 400 || status == 413,
        "status {status} for {error:?} from {:?}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        status == 413,
        body.len() > limit,
        "413 exactly when the body is over the limit: {error:?}"
    );
}

/// Any JSON value, then read as each kind of stored configuration.
fn check_value(body: &[u8], limit: usize) {
    let Some(value) = parse_or_refuse::<Value>(body, limit) else {
        return;
    };
    for kind in [WidgetType::Chart, WidgetType::Metric, WidgetType::Table] {
        check_widget_config(kind, value.clone());
    }
    for kind in [
        AutomationType::ThresholdAlert,
        AutomationType::ScheduledReport,
    ] {
        check_automation_config(kind, value.clone());
    }
}

/// A configuration that reads is what it writes: stored and read back, it
/// is the same configuration of the same kind.
fn check_widget_config(kind: WidgetType, value: Value) {
    let Ok(config) = WidgetConfig::from_json(kind, value) else {
        return;
    };
    assert_eq!(config.kind(), kind);
    let stored = serde_json::to_value(&config).expect("a widget config serializes");
    let read_back = WidgetConfig::from_json(kind, stored);
    assert_eq!(read_back.as_ref(), Ok(&config));
}

fn check_automation_config(kind: AutomationType, value: Value) {
    let Ok(config) = AutomationConfig::from_json(kind, value) else {
        return;
    };
    let stored = serde_json::to_value(&config).expect("an automation config serializes");
    let read_back = AutomationConfig::from_json(kind, stored);
    assert_eq!(read_back.as_ref(), Ok(&config));
}

/// A dataset's column definitions, parsed and then checked as
/// `create_dataset` checks them: refusals stay 400.
fn check_columns(body: &[u8], limit: usize) {
    let Some(columns) = parse_or_refuse::<Vec<ColumnDef>>(body, limit) else {
        return;
    };
    if let Err(error) = validate_columns(&columns) {
        assert_eq!(error.status(), 400, "{error:?}");
    }
}

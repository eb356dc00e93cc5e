//! MCP over the Streamable HTTP transport, stateless: every `POST /mcp`
//! carries one JSON-RPC message (or a batch, for protocol 2025-03-26) and
//! is answered with JSON. No session id, no server-sent events: `GET /mcp`
//! answers 405, which MCP clients take to mean "no stream".
//!
//! Authentication is the same cookie or bearer token as every protected
//! route; without it the answer is 401 with `WWW-Authenticate: Bearer`.

use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response};

use super::{call, exists, list, ToolRequest};
use crate::app::{header, App};
use crate::auth;
use crate::error::{Error, Result};
use crate::http::{self, TOOL_BODY_LIMIT};
use crate::json;

/// Protocol versions this server speaks, newest first.
const PROTOCOL_VERSIONS: [&str; 2] = ["2025-06-18", "2025-03-26"];

// JSON-RPC error codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;

/// One JSON-RPC message. A message without `id` is a notification.
#[derive(Deserialize)]
struct Message {
    jsonrpc: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    method: Option<String>,
    #[serde(default)]
    params: Value,
}

/// `POST /mcp`.
pub async fn handle(req: &mut Request, app: &App) -> Result<Response> {
    if let Some(version) = header(req, "mcp-protocol-version") {
        if !PROTOCOL_VERSIONS.contains(&version.as_str()) {
            return Err(Error::invalid(
                "MCP-Protocol-Version",
                format!(
                    "unsupported version {version:?}; supported: {}",
                    PROTOCOL_VERSIONS.join(", ")
                ),
            ));
        }
    }
    let ctx = auth::authenticate(req, app).await?;
    let tool_request = ToolRequest::new(app, ctx);

    let body: Value = match http::read_json(req, TOOL_BODY_LIMIT).await {
        Ok(body) => body,
        Err(Error::MalformedBody(message)) => {
            return http::json(400, &error(Value::Null, PARSE_ERROR, &message));
        }
        Err(other) => return Err(other),
    };
    let answer = match body {
        Value::Array(batch) if !batch.is_empty() => {
            let mut answers = Vec::new();
            for message in batch {
                answers.extend(answer(&tool_request, message).await);
            }
            (!answers.is_empty()).then_some(Value::Array(answers))
        }
        Value::Array(_) => Some(error(Value::Null, INVALID_REQUEST, "empty batch")),
        message => answer(&tool_request, message).await,
    };
    match answer {
        Some(answer) => http::json(200, &answer),
        // Only notifications: accepted, nothing to answer.
        None => Ok(Response::empty()?.with_status(202)),
    }
}

/// The answer to one message; `None` for a notification.
async fn answer(req: &ToolRequest<'_>, message: Value) -> Option<Value> {
    let message: Message = match json::from_value(message) {
        Ok(message) => message,
        Err(e) => return Some(error(Value::Null, INVALID_REQUEST, &e.to_string())),
    };
    let (Some("2.0"), Some(method)) = (message.jsonrpc.as_deref(), message.method.as_deref())
    else {
        let id = message.id.unwrap_or(Value::Null);
        return Some(error(
            id,
            INVALID_REQUEST,
            "expected a JSON-RPC 2.0 request with a method",
        ));
    };
    let id = message.id?;
    let outcome = match method {
        "initialize" => Ok(initialize(&message.params)),
        "ping" => Ok(json!({})),
        "tools/list" => list()
            .map(|tools| json!({ "tools": tools }))
            .map_err(|e| (INTERNAL_ERROR, e.body().message)),
        "tools/call" => call_tool(req, message.params).await,
        _ => Err((METHOD_NOT_FOUND, format!("method not found: {method}"))),
    };
    Some(match outcome {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err((code, text)) => error(id, code, &text),
    })
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// Agrees on the client's protocol version when supported, else offers the
/// newest.
fn initialize(params: &Value) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let version = asked
        .filter(|v| PROTOCOL_VERSIONS.contains(v))
        .unwrap_or(PROTOCOL_VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": { "name": "orgscope", "version": env!("CARGO_PKG_VERSION") },
        "instructions": "Tools read and change the data of the caller's organization only: \
                         datasets, dashboards with chart, metric and table widgets, and automations."
    })
}

#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Value,
}

/// `tools/call`: an unknown tool is a protocol error; a tool that refuses
/// answers an `isError` result carrying its `{code, message}`.
async fn call_tool(req: &ToolRequest<'_>, params: Value) -> Result<Value, (i64, String)> {
    let params: CallParams =
        json::from_value(params).map_err(|e| (INVALID_PARAMS, e.to_string()))?;
    if !exists(&params.name) {
        return Err((INVALID_PARAMS, format!("unknown tool: {}", params.name)));
    }
    Ok(match call(&params.name, req, params.arguments).await {
        Ok(result) => json!({
            "content": [{ "type": "text", "text": result.to_string() }],
            "structuredContent": result,
            "isError": false,
        }),
        Err(failure) => {
            if failure.is_server_error() {
                crate::log::server_error(&failure);
            }
            let body = failure.body();
            json!({
                "content": [{ "type": "text", "text": format!("{}: {}", body.code, body.message) }],
                "structuredContent": { "code": body.code, "message": body.message },
                "isError": true,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_agrees_on_a_supported_version() {
        let old = initialize(&json!({ "protocolVersion": "2025-03-26" }));
        assert_eq!(old["protocolVersion"], "2025-03-26");
        let unknown = initialize(&json!({ "protocolVersion": "1999-01-01" }));
        assert_eq!(unknown["protocolVersion"], "2025-06-18");
        assert_eq!(unknown["capabilities"]["tools"]["listChanged"], false);
    }

    #[test]
    fn errors_are_json_rpc_errors() {
        let e = error(json!(7), METHOD_NOT_FOUND, "nope");
        assert_eq!(e["id"], 7);
        assert_eq!(e["error"]["code"], -32601);
    }
}

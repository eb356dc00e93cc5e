//! The route table: which named function answers each path and method.

use worker::{Env, Method, Request, Response};

use crate::error::{Error, Result};
use crate::http;

/// Every route orgscope answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Health,
}

impl Route {
    fn resolve(path: &str) -> Option<Route> {
        match path {
            "/health" => Some(Route::Health),
            _ => None,
        }
    }

    fn method(self) -> Method {
        match self {
            Route::Health => Method::Get,
        }
    }
}

/// Answers one request, or the error that refuses it.
pub async fn dispatch(req: Request, _env: &Env) -> Result<Response> {
    let path = req.path();
    let route = Route::resolve(&path).ok_or(Error::NotFound("route"))?;
    if req.method() != route.method()
        && !(req.method() == Method::Head && route.method() == Method::Get)
    {
        return Err(Error::MethodNotAllowed {
            method: req.method().to_string(),
        });
    }
    match route {
        Route::Health => health(),
    }
}

fn health() -> Result<Response> {
    http::json(200, &serde_json::json!({ "status": "ok" }))
}

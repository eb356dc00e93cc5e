//! The two primitives of Better Auth's formats, computed by the Workers
//! runtime's native `node:crypto` (enabled by the `nodejs_compat` flag):
//!
//! - scrypt for passwords. workerd's native scrypt hashes a password in about
//!   60-80 ms; a pure-Rust scrypt compiled to wasm takes 140-320 ms and
//!   32 MiB for the same parameters, which would make sign-in slow and can
//!   exceed a Worker's CPU limit.
//! - HMAC-SHA256 for cookie signatures. Native, synchronous, and it adds no
//!   hashing code to the wasm bundle.
//!
//! The module is fetched with `process.getBuiltinModule("node:crypto")`
//! rather than imported, so the bundler needs no special configuration.

use js_sys::{Function, JsString, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, Result};

#[wasm_bindgen]
extern "C" {
    /// The `node:crypto` module object.
    type NodeCrypto;

    #[wasm_bindgen(method, catch, js_name = scryptSync)]
    fn scrypt_sync(
        this: &NodeCrypto,
        password: &JsString,
        salt: &str,
        key_len: u32,
        options: &Object,
    ) -> std::result::Result<Uint8Array, JsValue>;

    #[wasm_bindgen(method, catch, js_name = createHmac)]
    fn create_hmac(
        this: &NodeCrypto,
        algorithm: &str,
        key: &str,
    ) -> std::result::Result<Hmac, JsValue>;

    /// A `node:crypto` Hmac object.
    type Hmac;

    #[wasm_bindgen(method)]
    fn update(this: &Hmac, data: &str) -> Hmac;

    #[wasm_bindgen(method)]
    fn digest(this: &Hmac, encoding: &str) -> String;
}

const UNAVAILABLE: Error =
    Error::Config("node:crypto is unavailable: the nodejs_compat flag must be enabled");

fn node_crypto() -> Result<NodeCrypto> {
    let process = Reflect::get(&js_sys::global(), &"process".into()).map_err(|_| UNAVAILABLE)?;
    let get_builtin = Reflect::get(&process, &"getBuiltinModule".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(UNAVAILABLE)?;
    let module = get_builtin
        .call1(&process, &"node:crypto".into())
        .map_err(|_| UNAVAILABLE)?;
    if module.is_object() {
        Ok(module.unchecked_into())
    } else {
        Err(UNAVAILABLE)
    }
}

/// Better Auth's scrypt cost parameters: N = 2^14, r = 16, p = 1.
const SCRYPT_N: u32 = 16_384;
const SCRYPT_R: u32 = 16;
const SCRYPT_P: u32 = 1;
/// N = 16384 with r = 16 needs 32 MiB plus overhead; node's default limit
/// (32 MiB) refuses it, so the limit is raised to 64 MiB.
const SCRYPT_MAXMEM: f64 = 64.0 * 1024.0 * 1024.0;

/// scrypt of the NFKC-normalized `password` with `salt` (used as the text
/// itself, as Better Auth does), giving `key_len` bytes.
pub fn scrypt(password: &str, salt: &str, key_len: u32) -> Result<Vec<u8>> {
    let options = Object::new();
    for (name, value) in [
        ("N", f64::from(SCRYPT_N)),
        ("r", f64::from(SCRYPT_R)),
        ("p", f64::from(SCRYPT_P)),
        ("maxmem", SCRYPT_MAXMEM),
    ] {
        Reflect::set(&options, &name.into(), &value.into()).map_err(|_| UNAVAILABLE)?;
    }
    // NFKC through the runtime's own normalizer: the Rust crate for it adds
    // about 60 KB to the gzipped bundle.
    let normalized = JsString::from(password).normalize("NFKC");
    let key = node_crypto()?
        .scrypt_sync(&normalized, salt, key_len, &options)
        .map_err(|e| Error::Corrupt(format!("scrypt failed: {e:?}")))?;
    Ok(key.to_vec())
}

/// base64(HMAC-SHA256(secret, message)), padded: a cookie signature.
pub fn hmac_sha256_base64(secret: &str, message: &str) -> Result<String> {
    let hmac = node_crypto()?
        .create_hmac("sha256", secret)
        .map_err(|_| UNAVAILABLE)?;
    Ok(hmac.update(message).digest("base64"))
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}

//! Authentication, compatible with Better Auth 1.7: its session cookie,
//! password hash and email/password endpoints, and the [`AuthContext`]
//! every protected request carries.

pub mod context;
pub mod cookie;
pub mod crypto;
pub mod endpoints;
pub mod origin;
pub mod password;
pub mod session;
pub mod validate;

pub use context::{authenticate, AuthContext};

//! Authentication: Better Auth's session cookie and password format, and the
//! [`AuthContext`] every protected request carries.

pub mod cookie;

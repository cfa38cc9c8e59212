//! Roles, tokens and who is calling.
//!
//! A token is 256 random bits, shown once as `cs_` and 64 hex digits. The store keeps only its
//! SHA-256; a request's token is hashed, looked up by that hash, and the stored hash compared
//! with it in constant time. Dashboard sessions work the same way, with a CSRF token per session.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What an account may do. Each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sales: reads segments, customers (personal data masked) and the playbook.
    Viewer,
    /// Marketing and data: also uploads data, starts runs, exports.
    Analyst,
    /// Also manages accounts, reads the audit log, deletes runs.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("role must be viewer, analyst or admin, got `{s}`"))
    }
}

/// Who a route lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, the OpenAPI document, the login page, static assets).
    Public,
    /// Accounts with at least this role.
    Least(Role),
}

/// The authenticated account of a request (put in the request by the access layer; a handler
/// that takes it cannot run unauthenticated).
#[derive(Debug, Clone)]
pub struct Caller {
    /// Account id.
    pub id: i64,
    /// Account name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The dashboard session's CSRF token, when the request came with a session cookie.
    pub csrf: Option<String>,
}

impl Caller {
    /// Whether the caller has at least `role`.
    pub fn is(&self, role: Role) -> bool {
        self.role >= role
    }
}

/// `n` random bytes from the operating system.
///
/// # Errors
/// When the operating system has no randomness to give.
pub fn random_hex(n: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// A new API token: `cs_` and 256 random bits in hex.
///
/// # Errors
/// When the operating system has no randomness to give.
pub fn new_token() -> Result<String, getrandom::Error> {
    Ok(format!("cs_{}", random_hex(32)?))
}

/// The SHA-256 of a secret, in hex: what the store keeps of a token or a session.
pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether two strings are equal, in time that depends only on their lengths.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_differ() {
        let a = new_token().expect("test setup");
        let b = new_token().expect("test setup");
        assert_eq!(a.len(), 3 + 64);
        assert!(a.starts_with("cs_") && a[3..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn hashes_are_sha256() {
        // the SHA-256 test vector of "abc" (FIPS 180-2)
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(same(&hash("x"), &hash("x")));
        assert!(!same(&hash("x"), &hash("y")));
        assert!(!same("ab", "abc"));
    }

    #[test]
    fn roles_are_ordered_and_parsed() {
        assert!(Role::Admin > Role::Analyst && Role::Analyst > Role::Viewer);
        assert_eq!("analyst".parse::<Role>(), Ok(Role::Analyst));
        assert_eq!("root".parse::<Role>().expect_err("an error"), "role must be viewer, analyst or admin, got `root`");
    }
}

//! Accounts: added with a new token shown once, listed, revoked. The command line
//! (`custseg user ...`) and the admin API share these.

use std::path::Path;

use custseg_engine::store::{Store, User};
use custseg_engine::{EngineError, Result};

use crate::auth::{self, Role};

/// Adds an account (or gives a revoked one a new token) and returns its token, which is not
/// stored and cannot be shown again. `actor` is written to the audit log.
///
/// # Errors
/// [`EngineError::Invalid`] for a name that is empty, too long or taken by an active account;
/// [`EngineError::Store`].
pub fn add(store: &mut Store, name: &str, role: Role, actor: &str) -> Result<String> {
    check_name(name)?;
    let token = auth::new_token().map_err(|e| EngineError::Internal(format!("no randomness for a token: {e}")))?;
    let hash = auth::hash(&token);
    let revoked = store.users()?.iter().any(|u| u.name == name && u.revoked_at.is_some());
    if revoked {
        store.renew_user(name, role.as_str(), &hash)?;
    } else {
        store.add_user(name, role.as_str(), &hash)?;
    }
    store.audit(
        actor,
        "user.add",
        &format!("user {name}"),
        &serde_json::json!({ "role": role, "renewed": revoked }),
    )?;
    Ok(token)
}

/// Every account.
///
/// # Errors
/// [`EngineError::Store`].
pub fn list(store: &Store) -> Result<Vec<User>> {
    store.users()
}

/// Revokes an account's token and ends its sessions.
///
/// # Errors
/// [`EngineError::Invalid`] when there is no such active account; [`EngineError::Store`].
pub fn revoke(store: &mut Store, name: &str, actor: &str) -> Result<()> {
    if !store.revoke_user(name)? {
        return Err(EngineError::Invalid(format!("no active user `{name}`\nhint: `custseg user list` shows them")));
    }
    store.audit(actor, "user.revoke", &format!("user {name}"), &serde_json::json!({}))
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        return Err(EngineError::Invalid(format!("a user name is 1 to 64 letters, digits or . _ - @, got `{name}`")));
    }
    Ok(())
}

/// Opens a store for the account commands.
///
/// # Errors
/// As [`Store::open`].
pub fn open(path: &Path) -> Result<Store> {
    Store::open(path)
}

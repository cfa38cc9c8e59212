//! The team's tables (schema version 4): accounts, dashboard sessions, the audit log, uploaded
//! datasets and run jobs. The store keeps what it is given: token and session values arrive
//! already hashed (the server hashes them), and roles as their names.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::Store;
use crate::error::{EngineError, Result};

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Account id.
    pub id: i64,
    /// Login name (unique).
    pub name: String,
    /// Role name (`viewer`, `analyst`, `admin`).
    pub role: String,
    /// When it was added (UTC).
    pub created_at: String,
    /// When its token was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// One audit entry: who did what, when, with which parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Entry id (ascending in time).
    pub id: i64,
    /// When (UTC).
    pub at: String,
    /// The account's name.
    pub actor: String,
    /// What (`run`, `export`, `user.add`, ...).
    pub action: String,
    /// On what (a run, a segment, an account).
    pub target: String,
    /// The parameters, as JSON.
    pub params: serde_json::Value,
}

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dataset {
    /// Dataset id.
    pub id: i64,
    /// When it was uploaded (UTC).
    pub created_at: String,
    /// Who uploaded it.
    pub created_by: String,
    /// The file name it was uploaded as.
    pub name: String,
    /// Where it is kept.
    pub path: String,
    /// Its size.
    pub bytes: i64,
    /// What `inspect` says of it, as JSON.
    pub summary: serde_json::Value,
}

/// A run job of the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// Job id (the server's run id).
    pub id: i64,
    /// When it was asked for (UTC).
    pub created_at: String,
    /// Who asked (`cli` for runs the command line recorded).
    pub created_by: String,
    /// `queued`, `running`, `done`, `failed`, `interrupted` or `cancelled`.
    pub status: String,
    /// The request, as JSON.
    pub request: serde_json::Value,
    /// The store's run once recorded.
    pub run_id: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it ended (UTC).
    pub finished_at: Option<String>,
}

/// The time now, as the store writes it.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

const USER_COLUMNS: &str = "id, name, role, created_at, revoked_at";

fn user_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User { id: r.get(0)?, name: r.get(1)?, role: r.get(2)?, created_at: r.get(3)?, revoked_at: r.get(4)? })
}

const JOB_COLUMNS: &str = "id, created_at, created_by, status, request, run_id, error, finished_at";

fn job_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: r.get(0)?,
        created_at: r.get(1)?,
        created_by: r.get(2)?,
        status: r.get(3)?,
        request: json(r.get(4)?),
        run_id: r.get(5)?,
        error: r.get(6)?,
        finished_at: r.get(7)?,
    })
}

impl Store {
    /// Adds an account with its token's hash; returns its id.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] when the name is taken; [`EngineError::Store`].
    pub fn add_user(&mut self, name: &str, role: &str, token_hash: &str) -> Result<i64> {
        let taken: Option<i64> = self
            .conn
            .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(self.err())?;
        if taken.is_some() {
            return Err(EngineError::Invalid(format!(
                "user `{name}` exists\nhint: `custseg user revoke {name}` first to give them a new token"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO users (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role, token_hash, now()],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Gives a revoked account a new token and role (the name is kept, so its audit entries
    /// stay its own).
    ///
    /// # Errors
    /// [`EngineError::Invalid`] when there is no such account or it is not revoked.
    pub fn renew_user(&mut self, name: &str, role: &str, token_hash: &str) -> Result<i64> {
        let n = self
            .conn
            .execute(
                "UPDATE users SET role = ?2, token_hash = ?3, revoked_at = NULL, created_at = ?4
                 WHERE name = ?1 AND revoked_at IS NOT NULL",
                params![name, role, token_hash, now()],
            )
            .map_err(self.err())?;
        if n == 0 {
            return Err(EngineError::Invalid(format!("user `{name}` is not a revoked account")));
        }
        self.conn.query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0)).map_err(self.err())
    }

    /// Every account, by name.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn users(&self) -> Result<Vec<User>> {
        let mut st =
            self.conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name")).map_err(self.err())?;
        let rows = st.query_map([], user_of).map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// Revokes an account's token and ends its sessions; false when there is no such active
    /// account.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn revoke_user(&mut self, name: &str) -> Result<bool> {
        let tx = self.conn.transaction().map_err(|e| super::store_err(&self.path, e))?;
        let n = tx
            .execute("UPDATE users SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL", params![name, now()])
            .map_err(|e| super::store_err(&self.path, e))?;
        tx.execute("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = ?1)", [name])
            .map_err(|e| super::store_err(&self.path, e))?;
        tx.commit().map_err(|e| super::store_err(&self.path, e))?;
        Ok(n > 0)
    }

    /// The active account whose token has this hash.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn user_by_token(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        self.conn
            .query_row(
                &format!("SELECT {USER_COLUMNS}, token_hash FROM users WHERE token_hash = ?1 AND revoked_at IS NULL"),
                [token_hash],
                |r| Ok((user_of(r)?, r.get(5)?)),
            )
            .optional()
            .map_err(self.err())
    }

    /// Starts a dashboard session (its value's hash and its CSRF token) until `expires_at`.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn add_session(&mut self, hash: &str, user_id: i64, csrf: &str, expires_at: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at < ?1", [now()])
            .and_then(|_| {
                self.conn.execute(
                    "INSERT INTO sessions (hash, user_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![hash, user_id, csrf, expires_at],
                )
            })
            .map_err(self.err())?;
        Ok(())
    }

    /// The unexpired session with this hash: its active account, the session's hash as stored
    /// and its CSRF token.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn session(&self, hash: &str) -> Result<Option<(User, String, String)>> {
        self.conn
            .query_row(
                "SELECT u.id, u.name, u.role, u.created_at, u.revoked_at, s.hash, s.csrf
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.hash = ?1 AND s.expires_at >= ?2 AND u.revoked_at IS NULL",
                params![hash, now()],
                |r| Ok((user_of(r)?, r.get(5)?, r.get(6)?)),
            )
            .optional()
            .map_err(self.err())
    }

    /// Ends a session.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn drop_session(&mut self, hash: &str) -> Result<()> {
        self.conn.execute("DELETE FROM sessions WHERE hash = ?1", [hash]).map_err(self.err())?;
        Ok(())
    }

    /// Writes an audit entry.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn audit(&mut self, actor: &str, action: &str, target: &str, params: &serde_json::Value) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO audit (at, actor, action, target, params) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![now(), actor, action, target, params.to_string()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// The newest audit entries before entry `before` (all when `None`), newest first.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn audit_log(&self, limit: usize, before: Option<i64>) -> Result<Vec<AuditEntry>> {
        let mut st = self
            .conn
            .prepare("SELECT id, at, actor, action, target, params FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2")
            .map_err(self.err())?;
        let rows = st
            .query_map(params![before.unwrap_or(i64::MAX), limit as i64], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    params: json(r.get(5)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// Records an uploaded file; returns its id.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn add_dataset(
        &mut self,
        created_by: &str,
        name: &str,
        path: &str,
        bytes: u64,
        summary: &serde_json::Value,
    ) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO datasets (created_at, created_by, name, path, bytes, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![now(), created_by, name, path, bytes as i64, summary.to_string()],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every uploaded file, newest first.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn datasets(&self) -> Result<Vec<Dataset>> {
        self.datasets_where("1 = 1", [])
    }

    /// One uploaded file.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn dataset(&self, id: i64) -> Result<Option<Dataset>> {
        Ok(self.datasets_where("id = ?1", [id])?.pop())
    }

    fn datasets_where<P: rusqlite::Params>(&self, filter: &str, p: P) -> Result<Vec<Dataset>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT id, created_at, created_by, name, path, bytes, summary FROM datasets WHERE {filter} ORDER BY id DESC"
            ))
            .map_err(self.err())?;
        let rows = st
            .query_map(p, |r| {
                Ok(Dataset {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    created_by: r.get(2)?,
                    name: r.get(3)?,
                    path: r.get(4)?,
                    bytes: r.get(5)?,
                    summary: json(r.get(6)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// Queues a job; returns its id.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn add_job(&mut self, created_by: &str, request: &serde_json::Value) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO jobs (created_at, created_by, status, request) VALUES (?1, ?2, 'queued', ?3)",
                params![now(), created_by, request.to_string()],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sets a job's status; a final status (anything but `queued` and `running`) also sets its
    /// end time, its error and its store run.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn set_job(&mut self, id: i64, status: &str, error: Option<&str>, run_id: Option<i64>) -> Result<()> {
        let finished = (!matches!(status, "queued" | "running")).then(now);
        self.conn
            .execute(
                "UPDATE jobs SET status = ?2, error = ?3, run_id = COALESCE(?4, run_id), finished_at = ?5 WHERE id = ?1",
                params![id, status, error, run_id, finished],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Adopts complete runs that no job has (recorded by the command line) as done jobs, so the
    /// server lists every run of the store.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn adopt_runs(&mut self) -> Result<usize> {
        // a read first: requests call this, and most find nothing to adopt (no write lock taken)
        let missing: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE complete = 1
                                AND id NOT IN (SELECT run_id FROM jobs WHERE run_id IS NOT NULL))",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        if !missing {
            return Ok(0);
        }
        self.conn
            .execute(
                "INSERT INTO jobs (created_at, created_by, status, request, run_id, finished_at)
                 SELECT created_at, 'cli', 'done', '{}', id, created_at FROM runs
                 WHERE complete = 1 AND id NOT IN (SELECT run_id FROM jobs WHERE run_id IS NOT NULL)
                 ORDER BY id",
                [],
            )
            .map_err(self.err())
    }

    /// Marks every queued or running job interrupted (a server stopping, or starting after a
    /// crash); returns how many.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn interrupt_jobs(&mut self) -> Result<usize> {
        self.conn
            .execute(
                "UPDATE jobs SET status = 'interrupted', finished_at = ?1 WHERE status IN ('queued', 'running')",
                [now()],
            )
            .map_err(self.err())
    }

    /// Every job, newest first.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn jobs(&self) -> Result<Vec<Job>> {
        let mut st =
            self.conn.prepare(&format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC")).map_err(self.err())?;
        let rows = st.query_map([], job_of).map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(self.err())
    }

    /// One job.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn job(&self, id: i64) -> Result<Option<Job>> {
        self.conn
            .query_row(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"), [id], job_of)
            .optional()
            .map_err(self.err())
    }

    /// The job of a store run.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn job_of_run(&self, run_id: i64) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT id FROM jobs WHERE run_id = ?1", [run_id], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// Deletes a finished job and its store run (customers and schemes with it), in one
    /// transaction; false when there is no such job.
    ///
    /// # Errors
    /// [`EngineError::Store`].
    pub fn delete_job(&mut self, id: i64) -> Result<bool> {
        let path = self.path.clone();
        let err = |e| super::store_err(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let run: Option<Option<i64>> =
            tx.query_row("SELECT run_id FROM jobs WHERE id = ?1", [id], |r| r.get(0)).optional().map_err(err)?;
        let Some(run) = run else { return Ok(false) };
        tx.execute("DELETE FROM jobs WHERE id = ?1", [id]).map_err(err)?;
        if let Some(run) = run {
            tx.execute("DELETE FROM runs WHERE id = ?1", [run]).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(true)
    }
}

//! Abuse reports (PROTOCOL.md §11): stored as received, listed for the operator, and marked
//! with the outcome of their verification. A report must name an existing link; the secret and
//! password a reporter may include are kept for `admin abuse verify` and never logged.

use super::MetaStore;
use super::rows::id_at;
use crate::error::{Result, StoreError};
use crate::records::{AbuseReportRecord, AbuseVerification, Id, NewAbuseReport};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use zeroize::Zeroizing;

const REPORT_COLUMNS: &str = "id, link_id, reason, contact, link_secret, link_password, \
     created_at, verified_at, verified, verification";

impl MetaStore {
    /// Stores a report about an existing link. Errors: `NotFound` (no such link), `IdExists`.
    pub async fn create_abuse_report(&self, report: &NewAbuseReport, now: i64) -> Result<()> {
        let inserted = sqlx::query(
            "INSERT INTO abuse_reports (id, link_id, reason, contact, link_secret, \
               link_password, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM links WHERE id = $2)",
        )
        .bind(&report.id.0[..])
        .bind(&report.link_id.0[..])
        .bind(&report.reason)
        .bind(report.contact.as_deref())
        .bind(report.link_secret.as_ref().map(|s| s.as_slice()))
        .bind(report.link_password.as_ref().map(|p| p.as_str()))
        .bind(now)
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 1 => self.durable().await,
            Ok(_) => Err(StoreError::NotFound),
            Err(e) if crate::error::is_unique_violation(&e) => Err(StoreError::IdExists),
            Err(e) => Err(e.into()),
        }
    }

    /// One report. Errors: `NotFound`.
    pub async fn abuse_report(&self, id: Id) -> Result<AbuseReportRecord> {
        let query = format!("SELECT {REPORT_COLUMNS} FROM abuse_reports WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(query))
            .bind(&id.0[..])
            .fetch_optional(&self.reader)
            .await?
            .ok_or(StoreError::NotFound)
            .and_then(|row| report_from_row(&row))
    }

    /// Every report, oldest first.
    pub async fn list_abuse_reports(&self) -> Result<Vec<AbuseReportRecord>> {
        let query = format!("SELECT {REPORT_COLUMNS} FROM abuse_reports ORDER BY created_at, id");
        sqlx::query(sqlx::AssertSqlSafe(query))
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(report_from_row)
            .collect()
    }

    /// Records the outcome of a verification (replacing an earlier one). Errors: `NotFound`.
    pub async fn record_abuse_verification(
        &self,
        id: Id,
        outcome: &AbuseVerification,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE abuse_reports SET verified_at = $2, verified = $3, verification = $4 \
             WHERE id = $1",
        )
        .bind(&id.0[..])
        .bind(outcome.at)
        .bind(outcome.verified)
        .bind(&outcome.summary)
        .execute(&self.writer)
        .await?;
        self.durable().await?;
        match done.rows_affected() {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}

fn report_from_row(row: &SqliteRow) -> Result<AbuseReportRecord> {
    let verified_at: Option<i64> = row.try_get("verified_at")?;
    let verification = match verified_at {
        None => None,
        Some(at) => Some(AbuseVerification {
            at,
            verified: row
                .try_get::<Option<bool>, _>("verified")?
                .ok_or(StoreError::Corrupt("abuse report verification"))?,
            summary: row
                .try_get::<Option<String>, _>("verification")?
                .unwrap_or_default(),
        }),
    };
    Ok(AbuseReportRecord {
        id: id_at(row, "id")?,
        link_id: id_at(row, "link_id")?,
        reason: row.try_get("reason")?,
        contact: row.try_get("contact")?,
        link_secret: row
            .try_get::<Option<Vec<u8>>, _>("link_secret")?
            .map(Zeroizing::new),
        link_password: row
            .try_get::<Option<String>, _>("link_password")?
            .map(Zeroizing::new),
        created_at: row.try_get("created_at")?,
        verification,
    })
}

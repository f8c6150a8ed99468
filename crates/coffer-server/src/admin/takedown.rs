//! `admin takedown`, `admin reinstate`, `admin takedowns`, and the repeat-infringer policy:
//! an account with [`Admin::repeat_infringer_threshold`] active takedowns may not create
//! links (`403 links_suspended`); reinstating below the threshold lifts that again.

use super::{Admin, AdminError, label, utc_minute};
use crate::state::now_ms;
use coffer_api::Id;
use coffer_store::{NewTakedown, StoreError, TakedownKind, TakedownRecord};
use serde::Serialize;
use std::fmt::Write;

/// What a takedown or a reinstatement did, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakedownOutcome {
    pub takedown: TakedownView,
    /// Active takedowns of the owner's account afterwards.
    pub account_active_takedowns: u64,
    /// `Some(true)`: link creation suspended by this command; `Some(false)`: lifted; `None`:
    /// unchanged.
    pub links_suspended: Option<bool>,
    /// False when a reinstatement found the takedown already reinstated.
    pub changed: bool,
}

/// A takedown as the admin commands show it (stable JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakedownView {
    pub id: Id,
    pub kind: &'static str,
    pub target: Id,
    pub account: Id,
    pub claimant: Option<String>,
    pub notice: String,
    pub created_at: i64,
    pub state: &'static str,
    pub reinstated_at: Option<i64>,
    pub reason: Option<String>,
    pub links: Vec<Id>,
}

impl From<TakedownRecord> for TakedownView {
    fn from(t: TakedownRecord) -> TakedownView {
        TakedownView {
            id: t.id,
            kind: t.kind.as_str(),
            target: t.target_id,
            account: t.account_id,
            claimant: t.claimant,
            notice: t.notice,
            created_at: t.created_at,
            state: match t.reinstated_at {
                None => "active",
                Some(_) => "reinstated",
            },
            reinstated_at: t.reinstated_at,
            reason: t.reason,
            links: t.links,
        }
    }
}

impl Admin {
    /// Takes down one link, or a node with every link to it and its content inside folder
    /// links; then applies the repeat-infringer policy to the owner.
    pub async fn takedown(
        &self,
        kind: TakedownKind,
        target: Id,
        notice: String,
        claimant: Option<&str>,
    ) -> Result<TakedownOutcome, AdminError> {
        if notice.trim().is_empty() {
            return Err(AdminError::Invalid("the notice is empty".into()));
        }
        let claimant = claimant.map(|c| label("--claimant", c)).transpose()?;
        let new = NewTakedown {
            id: Id::random(),
            kind,
            target_id: target,
            notice,
            claimant,
        };
        let now = now_ms();
        let record = self
            .meta
            .create_takedown(&new, now)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AdminError::Invalid(format!("no {} {target} is known", kind.as_str()))
                }
                other => other.into(),
            })?;
        let account = record.account_id;
        let active = self.meta.active_takedowns_of(account).await?;
        let threshold = u64::from(self.repeat_infringer_threshold);
        let suspend = threshold > 0 && active >= threshold;
        if suspend {
            self.set_suspended(account, Some(now)).await?;
        }
        Ok(TakedownOutcome {
            takedown: record.into(),
            account_active_takedowns: active,
            links_suspended: suspend.then_some(true),
            changed: true,
        })
    }

    /// Reinstates a takedown (its links come back unless another takedown covers them); lifts
    /// the owner's suspension once below the threshold.
    pub async fn reinstate(&self, id: Id, reason: &str) -> Result<TakedownOutcome, AdminError> {
        let reason = label("--reason", reason)?;
        let (record, changed) = self
            .meta
            .reinstate_takedown(id, &reason, now_ms())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AdminError::Invalid(format!("no takedown {id}")),
                other => other.into(),
            })?;
        let account = record.account_id;
        let active = self.meta.active_takedowns_of(account).await?;
        let threshold = u64::from(self.repeat_infringer_threshold);
        let lift = changed && threshold > 0 && active < threshold;
        if lift {
            self.set_suspended(account, None).await?;
        }
        Ok(TakedownOutcome {
            takedown: record.into(),
            account_active_takedowns: active,
            links_suspended: lift.then_some(false),
            changed,
        })
    }

    /// Every takedown, oldest first.
    pub async fn takedowns(&self) -> Result<Vec<TakedownView>, AdminError> {
        let all = self.meta.list_takedowns().await?;
        Ok(all.into_iter().map(TakedownView::from).collect())
    }

    async fn set_suspended(&self, account: Id, at: Option<i64>) -> Result<(), AdminError> {
        match self.meta.set_links_suspended(account, at).await {
            // The account was deleted since: nothing left to suspend.
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl std::fmt::Display for TakedownOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.takedown;
        let links = match t.links.len() {
            1 => format!("link {}", t.links[0]),
            n => format!("{n} links"),
        };
        match (t.state, self.changed) {
            ("active", _) if t.kind == "node" => write!(
                f,
                "takedown {}: node {} blocked, {links} disabled",
                t.id, t.target
            )?,
            ("active", _) => write!(f, "takedown {}: {links} disabled", t.id)?,
            (_, true) => write!(f, "takedown {} reinstated: {links} restored", t.id)?,
            (_, false) => write!(f, "takedown {} was already reinstated", t.id)?,
        }
        write!(
            f,
            "; account {} now has {} upheld notice{}",
            t.account,
            self.account_active_takedowns,
            if self.account_active_takedowns == 1 {
                ""
            } else {
                "s"
            }
        )?;
        match self.links_suspended {
            Some(true) => write!(f, ": link creation suspended"),
            Some(false) => write!(f, ": link creation allowed again"),
            None => Ok(()),
        }
    }
}

/// `admin takedowns` as a text table.
pub fn render_takedowns(all: &[TakedownView]) -> String {
    let mut out = String::new();
    if all.is_empty() {
        return "no takedowns\n".into();
    }
    let _ = writeln!(
        out,
        "{:<32}  {:<4}  {:<32}  {:<10}  {:<20}  {:>5}  claimant",
        "id", "kind", "target", "state", "created", "links"
    );
    for t in all {
        let _ = writeln!(
            out,
            "{}  {:<4}  {}  {:<10}  {:<20}  {:>5}  {}",
            t.id,
            t.kind,
            t.target,
            t.state,
            utc_minute(t.created_at),
            t.links.len(),
            t.claimant.as_deref().unwrap_or("-")
        );
    }
    out
}

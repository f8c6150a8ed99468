//! `admin report`: the transparency report, per calendar month (UTC, `2026-11`). Pure: it
//! counts records the caller read.
//!
//! Each figure counts events in the month they happened: `notices` takedowns applied,
//! `links_disabled` the links those takedowns disabled, `nodes_blocked` node takedowns,
//! `reinstated` takedowns reinstated, `abuse_reports` reports received, `abuse_verified`
//! reports whose latest verification succeeded (counted in the month of that verification).

use super::takedown::TakedownView;
use coffer_store::AbuseReportRecord;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One month of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonthFigures {
    pub month: String,
    pub notices: u64,
    pub links_disabled: u64,
    pub nodes_blocked: u64,
    pub reinstated: u64,
    pub abuse_reports: u64,
    pub abuse_verified: u64,
}

/// The figures of every month with at least one event, oldest first.
pub fn transparency_report(
    takedowns: &[TakedownView],
    reports: &[AbuseReportRecord],
) -> Vec<MonthFigures> {
    let mut months: BTreeMap<String, MonthFigures> = BTreeMap::new();
    fn at(months: &mut BTreeMap<String, MonthFigures>, ms: i64) -> &mut MonthFigures {
        let month = month_of(ms);
        months.entry(month.clone()).or_insert_with(|| MonthFigures {
            month,
            ..MonthFigures::default()
        })
    }
    for t in takedowns {
        let m = at(&mut months, t.created_at);
        m.notices += 1;
        m.links_disabled += t.links.len() as u64;
        m.nodes_blocked += u64::from(t.kind == "node");
        if let Some(when) = t.reinstated_at {
            at(&mut months, when).reinstated += 1;
        }
    }
    for r in reports {
        at(&mut months, r.created_at).abuse_reports += 1;
        if let Some(v) = r.verification.as_ref().filter(|v| v.verified) {
            at(&mut months, v.at).abuse_verified += 1;
        }
    }
    months.into_values().collect()
}

/// The report as a text table.
pub fn render_report(months: &[MonthFigures]) -> String {
    let mut out = format!(
        "{:<7}  {:>7}  {:>14}  {:>13}  {:>10}  {:>13}  {:>14}\n",
        "month",
        "notices",
        "links_disabled",
        "nodes_blocked",
        "reinstated",
        "abuse_reports",
        "abuse_verified"
    );
    for m in months {
        let _ = writeln!(
            out,
            "{:<7}  {:>7}  {:>14}  {:>13}  {:>10}  {:>13}  {:>14}",
            m.month,
            m.notices,
            m.links_disabled,
            m.nodes_blocked,
            m.reinstated,
            m.abuse_reports,
            m.abuse_verified
        );
    }
    out
}

/// `YYYY-MM` of a Unix-millisecond time, in UTC.
pub fn month_of(ms: i64) -> String {
    let (y, m, _) = civil_date(ms);
    format!("{y:04}-{m:02}")
}

/// The UTC calendar date of a Unix-millisecond time (H. Hinnant's `civil_from_days`).
pub fn civil_date(ms: i64) -> (i64, u32, u32) {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_api::Id;
    use coffer_store::AbuseVerification;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        // 2026-11-30 23:59:59.999 and the next millisecond.
        assert_eq!(month_of(1_796_083_199_999), "2026-11");
        assert_eq!(month_of(1_796_083_200_000), "2026-12");
        assert_eq!(civil_date(951_782_400_000), (2000, 2, 29));
        assert_eq!(civil_date(-1), (1969, 12, 31));
    }

    fn takedown(kind: &'static str, at: i64, links: usize, back: Option<i64>) -> TakedownView {
        TakedownView {
            id: Id::random(),
            kind,
            target: Id::random(),
            account: Id::random(),
            claimant: None,
            notice: "n".into(),
            created_at: at,
            state: if back.is_some() {
                "reinstated"
            } else {
                "active"
            },
            reinstated_at: back,
            reason: None,
            links: (0..links).map(|_| Id::random()).collect(),
        }
    }

    #[test]
    fn events_count_in_their_own_month() {
        let (nov, dec) = (1_794_000_000_000, 1_796_083_200_000);
        let takedowns = [
            takedown("link", nov, 1, Some(dec)),
            takedown("node", nov, 3, None),
        ];
        let report = AbuseReportRecord {
            id: Id::random(),
            link_id: Id::random(),
            reason: "r".into(),
            contact: None,
            link_secret: None,
            link_password: None,
            created_at: nov,
            verification: Some(AbuseVerification {
                at: dec,
                verified: true,
                summary: "ok".into(),
            }),
        };
        let unverified = AbuseReportRecord {
            id: Id::random(),
            verification: None,
            ..report.clone()
        };
        let months = transparency_report(&takedowns, &[report, unverified]);
        assert_eq!(
            months,
            vec![
                MonthFigures {
                    month: "2026-11".into(),
                    notices: 2,
                    links_disabled: 4,
                    nodes_blocked: 1,
                    reinstated: 0,
                    abuse_reports: 2,
                    abuse_verified: 0,
                },
                MonthFigures {
                    month: "2026-12".into(),
                    reinstated: 1,
                    abuse_verified: 1,
                    ..MonthFigures::default()
                },
            ]
        );
        assert!(render_report(&months).contains("2026-12"));
    }
}

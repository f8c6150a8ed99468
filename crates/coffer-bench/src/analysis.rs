//! From figures to verdicts: each coffer figure as a ratio to each peer and as a share of the
//! machine's limit, and each target of `BENCH.md` checked. Pure: reads [`Results`] only.

use crate::results::{Results, keys::*};
use serde::Serialize;

/// What a coffer figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Against {
    /// Another tool doing the same job: the ratio is "× the peer".
    Peer,
    /// What the machine can do at best: the ratio is "a share of the limit".
    Limit,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub coffer: &'static str,
    pub other: &'static str,
    pub against: Against,
    /// coffer's median divided by the other's median.
    pub ratio: f64,
}

const COMPARED: &[(&str, &str, Against)] = &[
    (UPLOAD, RCLONE_UP, Against::Peer),
    (UPLOAD, RESTIC_UP, Against::Peer),
    (DOWNLOAD, RCLONE_DOWN, Against::Peer),
    (DOWNLOAD, RESTIC_DOWN, Against::Peer),
    (SMALL_UP, RCLONE_SMALL_UP, Against::Peer),
    (SMALL_UP, RESTIC_SMALL_UP, Against::Peer),
    (SMALL_DOWN, RCLONE_SMALL_DOWN, Against::Peer),
    (SMALL_DOWN, RESTIC_SMALL_DOWN, Against::Peer),
    (UPLOAD_CLIENT_RSS, RCLONE_UP_RSS, Against::Peer),
    (UPLOAD_CLIENT_RSS, RESTIC_UP_RSS, Against::Peer),
    (UPLOAD, LOOPBACK_TCP, Against::Limit),
    (UPLOAD, DISK_WRITE, Against::Limit),
    (UPLOAD, AES_GCM, Against::Limit),
    (DOWNLOAD, HTTP_GET, Against::Limit),
    (DOWNLOAD, HTTP_GET_FILE, Against::Limit),
    (DOWNLOAD, LOOPBACK_TCP, Against::Limit),
    (SMALL_UP, FSYNC_FILES, Against::Limit),
    (SMALL_UP, FDATASYNC_APPENDS, Against::Limit),
    (HUGE_UP, LOOPBACK_TCP, Against::Limit),
    (HUGE_UP, DISK_WRITE, Against::Limit),
    (HUGE_DOWN, HTTP_GET, Against::Limit),
];

/// Every comparison whose two figures were both measured.
pub fn comparisons(r: &Results) -> Vec<Comparison> {
    COMPARED
        .iter()
        .filter_map(|&(coffer, other, against)| {
            let (a, b) = (r.median(coffer)?, r.median(other)?);
            (b > 0.0).then(|| Comparison {
                coffer,
                other,
                against,
                ratio: a / b,
            })
        })
        .collect()
}

/// One target of BENCH.md.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    AtLeast(&'static str, f64),
    AtMost(&'static str, f64),
    /// The first figure is at least this multiple of the second.
    RatioAtLeast(&'static str, &'static str, f64),
}

const TARGETS: &[(&str, Rule)] = &[
    ("1 GiB upload ≥ 800 MB/s", Rule::AtLeast(UPLOAD, 800.0)),
    (
        "1 GiB upload ≥ 4× rclone crypt/WebDAV",
        Rule::RatioAtLeast(UPLOAD, RCLONE_UP, 4.0),
    ),
    (
        "1 GiB download ≥ 1,000 MB/s",
        Rule::AtLeast(DOWNLOAD, 1000.0),
    ),
    (
        "1 GiB download ≥ 5× rclone crypt/WebDAV",
        Rule::RatioAtLeast(DOWNLOAD, RCLONE_DOWN, 5.0),
    ),
    (
        "1 GiB download ≥ 60 % of a plain HTTP GET",
        Rule::RatioAtLeast(DOWNLOAD, HTTP_GET, 0.6),
    ),
    (
        "10,000 × 4 KiB upload ≥ 5,000 files/s",
        Rule::AtLeast(SMALL_UP, 5000.0),
    ),
    (
        "10,000 × 4 KiB upload ≥ restic over HTTP",
        Rule::RatioAtLeast(SMALL_UP, RESTIC_SMALL_UP, 1.0),
    ),
    ("100,000-entry listing ≤ 2 s", Rule::AtMost(LISTING, 2.0)),
    (
        "100,000-entry listing: client RSS ≤ 300 MiB",
        Rule::AtMost(LISTING_CLIENT_RSS, 300.0),
    ),
    (
        "metadata at 200 clients (250 ms mean pause): p99 ≤ 20 ms",
        Rule::AtMost(METADATA_P99, 20.0),
    ),
    (
        "10 GiB upload: client RSS ≤ 150 MiB",
        Rule::AtMost(HUGE_UP_CLIENT_RSS, 150.0),
    ),
    (
        "10 GiB download: client RSS ≤ 150 MiB",
        Rule::AtMost(HUGE_DOWN_CLIENT_RSS, 150.0),
    ),
    (
        "10 GiB upload and download: server RSS ≤ 200 MiB",
        Rule::AtMost(HUGE_SERVER_RSS, 200.0),
    ),
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCheck {
    pub target: &'static str,
    /// The measured median (a ratio for the relative targets).
    pub measured: f64,
    /// `measured` is a ratio of two figures (else a figure in its own unit).
    pub relative: bool,
    pub met: bool,
}

/// Every target whose figures were measured, with its verdict.
pub fn targets(r: &Results) -> Vec<TargetCheck> {
    TARGETS
        .iter()
        .filter_map(|&(target, rule)| {
            let relative = matches!(rule, Rule::RatioAtLeast(..));
            let (measured, met) = match rule {
                Rule::AtLeast(key, bound) => {
                    let v = r.median(key)?;
                    (v, v >= bound)
                }
                Rule::AtMost(key, bound) => {
                    let v = r.median(key)?;
                    (v, v <= bound)
                }
                Rule::RatioAtLeast(key, other, bound) => {
                    let (a, b) = (r.median(key)?, r.median(other)?);
                    if b <= 0.0 {
                        return None;
                    }
                    (a / b, a / b >= bound)
                }
            };
            Some(TargetCheck {
                target,
                measured,
                relative,
                met,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Unit;

    fn results(figures: &[(&str, f64)]) -> Results {
        let mut r = Results::default();
        for &(key, value) in figures {
            r.record(key, key, Unit::MegabytesPerSec, &[value]);
        }
        r
    }

    #[test]
    fn ratios_only_for_figures_measured_on_both_sides() {
        let r = results(&[(UPLOAD, 600.0), (RCLONE_UP, 200.0), (LOOPBACK_TCP, 1500.0)]);
        let c = comparisons(&r);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].other, c[0].ratio), (RCLONE_UP, 3.0));
        assert_eq!((c[1].against, c[1].ratio), (Against::Limit, 0.4));
    }

    #[test]
    fn targets_met_and_missed() {
        let r = results(&[
            (UPLOAD, 900.0),
            (RCLONE_UP, 300.0),
            (LISTING, 2.5),
            (DOWNLOAD, 1200.0),
            (HTTP_GET, 1800.0),
        ]);
        let t = targets(&r);
        let verdict = |name: &str| t.iter().find(|c| c.target.starts_with(name)).unwrap().met;
        assert!(verdict("1 GiB upload ≥ 800"));
        assert!(!verdict("1 GiB upload ≥ 4×"));
        assert!(!verdict("100,000-entry listing ≤ 2 s"));
        assert!(verdict("1 GiB download ≥ 60 %"));
        assert!(t.iter().all(|c| !c.target.contains("p99")));
    }
}

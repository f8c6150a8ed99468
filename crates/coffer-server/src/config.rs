//! Server configuration: the TOML file, the command line and the environment, merged into one
//! [`ServerConfig`]. Precedence, highest first: command-line flag, environment variable (clap
//! reads both), config file, built-in default. Pure: reading the file is the caller's job.

use coffer_store::AccountLimits;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA: &str = "./coffer-data";
const DEFAULT_SESSION_TTL_DAYS: u64 = 30;
const DEFAULT_UPLOAD_TTL_HOURS: u64 = 24;
const DEFAULT_LINK_FAILURES_PER_LINK: u32 = 10;
const DEFAULT_LINK_FAILURES_PER_ADDRESS: u32 = 30;
const DEFAULT_LINK_FAILURE_WINDOW_MINUTES: u64 = 15;
const DEFAULT_LOGIN_FAILURES_PER_ACCOUNT: u32 = 10;
const DEFAULT_LOGIN_FAILURES_PER_ADDRESS: u32 = 30;
const DEFAULT_LOGIN_FAILURE_WINDOW_MINUTES: u64 = 15;
const DEFAULT_REPEAT_INFRINGER_THRESHOLD: u32 = 3;
const DEFAULT_ABUSE_REPORTS_PER_ADDRESS: u32 = 20;

/// The keys of the config file (`--config FILE`). Unknown keys are an error, so a typo is not
/// silently ignored.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// Data directory (database and blobs).
    pub data: Option<PathBuf>,
    pub session_ttl_days: Option<u64>,
    pub upload_ttl_hours: Option<u64>,
    pub log_format: Option<LogFormat>,
    /// Wrong public-link keys or passwords allowed per link per window.
    pub link_failures_per_link: Option<u32>,
    /// Wrong public-link keys or passwords allowed per client address per window.
    pub link_failures_per_address: Option<u32>,
    /// The rate-limit window of wrong link keys, in minutes.
    pub link_failure_window_minutes: Option<u64>,
    /// Failed logins (wrong password or second-factor code) allowed per email per window.
    pub login_failures_per_account: Option<u32>,
    /// Failed logins allowed per client address (IPv6: per /64) per window.
    pub login_failures_per_address: Option<u32>,
    /// The rate-limit window of failed logins, in minutes.
    pub login_failure_window_minutes: Option<u64>,
    /// Active takedowns after which an account may no longer create links (0: never).
    pub repeat_infringer_threshold: Option<u32>,
    /// Abuse reports accepted per client address per link-failure window.
    pub abuse_reports_per_address: Option<u32>,
    /// Storage quota of accounts without their own (`50GiB`, `500MB`; `none`: unlimited,
    /// the default).
    pub default_storage_quota: Option<String>,
    /// Monthly transfer quota of accounts without their own (`200GiB`; `none`).
    pub default_transfer_quota: Option<String>,
    /// Bandwidth limit of accounts without their own (`20MiB/s`; `none`).
    pub default_bandwidth_limit: Option<String>,
}

impl FileConfig {
    pub fn parse(text: &str) -> Result<FileConfig, toml::de::Error> {
        toml::from_str(text)
    }
}

/// What the command line (and its environment variables) set; `None` means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CliOverrides {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The resolved configuration of one server process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: String,
    pub data: PathBuf,
    pub log_format: LogFormat,
    pub settings: Settings,
}

/// The behaviour knobs the routes and the cleanup task read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub session_ttl: Duration,
    pub upload_ttl: Duration,
    /// How long a login may take between start and finish.
    pub login_ttl: Duration,
    /// Deadline of JSON requests.
    pub json_timeout: Duration,
    /// Deadline of chunk uploads and downloads.
    pub chunk_timeout: Duration,
    /// How often the cleanup task runs.
    pub cleanup_interval: Duration,
    /// Public links (PROTOCOL.md §10.4): wrong access tokens allowed per link, and per client
    /// address, within one window before `429 rate_limited`.
    pub link_failures_per_link: u32,
    pub link_failures_per_address: u32,
    pub link_failure_window: Duration,
    /// How long a download ticket of a public link stays valid.
    pub link_ticket_ttl: Duration,
    /// Logins: failures allowed per email (known or not) and per client address within one
    /// window before `429 rate_limited` (`login_limits.rs`).
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub login_failure_window: Duration,
    /// Repeat-infringer policy: an account with this many active takedowns may not create
    /// links until enough are reinstated (0: off). Applied by the admin commands.
    pub repeat_infringer_threshold: u32,
    /// `POST /api/v1/abuse` requests allowed per client address within one
    /// `link_failure_window` before `429 rate_limited`.
    pub abuse_reports_per_address: u32,
    /// Quotas and limits of accounts the operator gave none of their own (`None`: unlimited).
    pub default_limits: AccountLimits,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            session_ttl: Duration::from_secs(DEFAULT_SESSION_TTL_DAYS * 86_400),
            upload_ttl: Duration::from_secs(DEFAULT_UPLOAD_TTL_HOURS * 3_600),
            login_ttl: Duration::from_secs(60),
            json_timeout: Duration::from_secs(60),
            chunk_timeout: Duration::from_secs(300),
            cleanup_interval: Duration::from_secs(60),
            link_failures_per_link: DEFAULT_LINK_FAILURES_PER_LINK,
            link_failures_per_address: DEFAULT_LINK_FAILURES_PER_ADDRESS,
            link_failure_window: Duration::from_secs(DEFAULT_LINK_FAILURE_WINDOW_MINUTES * 60),
            link_ticket_ttl: Duration::from_secs(6 * 3_600),
            login_failures_per_account: DEFAULT_LOGIN_FAILURES_PER_ACCOUNT,
            login_failures_per_address: DEFAULT_LOGIN_FAILURES_PER_ADDRESS,
            login_failure_window: Duration::from_secs(DEFAULT_LOGIN_FAILURE_WINDOW_MINUTES * 60),
            repeat_infringer_threshold: DEFAULT_REPEAT_INFRINGER_THRESHOLD,
            abuse_reports_per_address: DEFAULT_ABUSE_REPORTS_PER_ADDRESS,
            default_limits: AccountLimits::default(),
        }
    }
}

impl Settings {
    /// Open uploads are swept this long after they expire, so that chunk uploads already under
    /// way (bounded by the chunk timeout) finish before their version's blobs are deleted.
    pub fn upload_sweep_grace(&self) -> Duration {
        self.chunk_timeout * 2
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("{0} is too large")]
    TooLarge(&'static str),
    #[error("{0} must be a size like 50GiB or 500MB (a rate like 20MiB/s), or none")]
    NotASize(&'static str),
}

impl ServerConfig {
    pub fn resolve(cli: CliOverrides, file: FileConfig) -> Result<ServerConfig, ConfigError> {
        let days = positive(
            file.session_ttl_days,
            DEFAULT_SESSION_TTL_DAYS,
            "session_ttl_days",
        )?;
        let hours = positive(
            file.upload_ttl_hours,
            DEFAULT_UPLOAD_TTL_HOURS,
            "upload_ttl_hours",
        )?;
        // Ten years is plenty and keeps every millisecond computation far from overflow.
        if days > 3_650 {
            return Err(ConfigError::TooLarge("session_ttl_days"));
        }
        if hours > 87_600 {
            return Err(ConfigError::TooLarge("upload_ttl_hours"));
        }
        let per_link = positive(
            file.link_failures_per_link.map(u64::from),
            u64::from(DEFAULT_LINK_FAILURES_PER_LINK),
            "link_failures_per_link",
        )?;
        let per_address = positive(
            file.link_failures_per_address.map(u64::from),
            u64::from(DEFAULT_LINK_FAILURES_PER_ADDRESS),
            "link_failures_per_address",
        )?;
        let window_minutes = positive(
            file.link_failure_window_minutes,
            DEFAULT_LINK_FAILURE_WINDOW_MINUTES,
            "link_failure_window_minutes",
        )?;
        if window_minutes > 10_080 {
            return Err(ConfigError::TooLarge("link_failure_window_minutes"));
        }
        let login_per_account = positive(
            file.login_failures_per_account.map(u64::from),
            u64::from(DEFAULT_LOGIN_FAILURES_PER_ACCOUNT),
            "login_failures_per_account",
        )?;
        let login_per_address = positive(
            file.login_failures_per_address.map(u64::from),
            u64::from(DEFAULT_LOGIN_FAILURES_PER_ADDRESS),
            "login_failures_per_address",
        )?;
        let login_window_minutes = positive(
            file.login_failure_window_minutes,
            DEFAULT_LOGIN_FAILURE_WINDOW_MINUTES,
            "login_failure_window_minutes",
        )?;
        if login_window_minutes > 10_080 {
            return Err(ConfigError::TooLarge("login_failure_window_minutes"));
        }
        let abuse_reports = positive(
            file.abuse_reports_per_address.map(u64::from),
            u64::from(DEFAULT_ABUSE_REPORTS_PER_ADDRESS),
            "abuse_reports_per_address",
        )?;
        Ok(ServerConfig {
            listen: cli
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            data: cli
                .data
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
            log_format: cli.log_format.or(file.log_format).unwrap_or_default(),
            settings: Settings {
                session_ttl: Duration::from_secs(days * 86_400),
                upload_ttl: Duration::from_secs(hours * 3_600),
                // Both came from u32 values, so they fit.
                link_failures_per_link: u32::try_from(per_link).unwrap_or(u32::MAX),
                link_failures_per_address: u32::try_from(per_address).unwrap_or(u32::MAX),
                link_failure_window: Duration::from_secs(window_minutes * 60),
                login_failures_per_account: u32::try_from(login_per_account).unwrap_or(u32::MAX),
                login_failures_per_address: u32::try_from(login_per_address).unwrap_or(u32::MAX),
                login_failure_window: Duration::from_secs(login_window_minutes * 60),
                repeat_infringer_threshold: file
                    .repeat_infringer_threshold
                    .unwrap_or(DEFAULT_REPEAT_INFRINGER_THRESHOLD),
                abuse_reports_per_address: u32::try_from(abuse_reports).unwrap_or(u32::MAX),
                default_limits: AccountLimits {
                    storage: limit(&file.default_storage_quota, "default_storage_quota")?,
                    transfer: limit(&file.default_transfer_quota, "default_transfer_quota")?,
                    bandwidth: limit(&file.default_bandwidth_limit, "default_bandwidth_limit")?,
                },
                ..Settings::default()
            },
        })
    }
}

/// A size or rate key: absent or `none` is no limit.
fn limit(value: &Option<String>, name: &'static str) -> Result<Option<u64>, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("none") => Ok(None),
        Some(text) => crate::sizes::parse_rate(text)
            .map(Some)
            .ok_or(ConfigError::NotASize(name)),
    }
}

fn positive(value: Option<u64>, default: u64, name: &'static str) -> Result<u64, ConfigError> {
    match value {
        Some(0) => Err(ConfigError::Zero(name)),
        Some(v) => Ok(v),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let config = ServerConfig::resolve(CliOverrides::default(), FileConfig::default()).unwrap();
        assert_eq!(config.listen, DEFAULT_LISTEN);
        assert_eq!(config.data, PathBuf::from(DEFAULT_DATA));
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.settings, Settings::default());
    }

    #[test]
    fn command_line_beats_file() {
        let file = FileConfig::parse(
            "listen = \"0.0.0.0:9000\"\ndata = \"/srv/coffer\"\nsession_ttl_days = 7\n\
             upload_ttl_hours = 2\nlog_format = \"json\"\nlink_failures_per_link = 3\n\
             link_failures_per_address = 5\nlink_failure_window_minutes = 1\n\
             repeat_infringer_threshold = 0\nabuse_reports_per_address = 4\n\
             login_failures_per_account = 2\nlogin_failures_per_address = 6\n\
             login_failure_window_minutes = 3\n",
        )
        .unwrap();
        let cli = CliOverrides {
            listen: Some("127.0.0.1:1".into()),
            ..CliOverrides::default()
        };
        let config = ServerConfig::resolve(cli, file).unwrap();
        assert_eq!(config.listen, "127.0.0.1:1");
        assert_eq!(config.data, PathBuf::from("/srv/coffer"));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.settings.session_ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(config.settings.upload_ttl, Duration::from_secs(7_200));
        assert_eq!(
            (
                config.settings.link_failures_per_link,
                config.settings.link_failures_per_address,
                config.settings.link_failure_window,
            ),
            (3, 5, Duration::from_secs(60))
        );
        assert_eq!(
            (
                config.settings.repeat_infringer_threshold,
                config.settings.abuse_reports_per_address
            ),
            (0, 4)
        );
        assert_eq!(
            (
                config.settings.login_failures_per_account,
                config.settings.login_failures_per_address,
                config.settings.login_failure_window,
            ),
            (2, 6, Duration::from_secs(180))
        );
    }

    #[test]
    fn default_limits_are_sizes_or_none() {
        let file = FileConfig::parse(
            "default_storage_quota = \"50GiB\"\ndefault_transfer_quota = \"none\"\n\
             default_bandwidth_limit = \"20MiB/s\"\n",
        )
        .unwrap();
        let config = ServerConfig::resolve(CliOverrides::default(), file).unwrap();
        assert_eq!(
            config.settings.default_limits,
            AccountLimits {
                storage: Some(50 << 30),
                transfer: None,
                bandwidth: Some(20 << 20),
            }
        );
        let bad = FileConfig {
            default_storage_quota: Some("lots".into()),
            ..FileConfig::default()
        };
        assert_eq!(
            ServerConfig::resolve(CliOverrides::default(), bad),
            Err(ConfigError::NotASize("default_storage_quota"))
        );
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(FileConfig::parse("lisen = \"typo\"").is_err());
        assert!(FileConfig::parse("log_format = \"xml\"").is_err());
        let zero = FileConfig {
            session_ttl_days: Some(0),
            ..FileConfig::default()
        };
        assert_eq!(
            ServerConfig::resolve(CliOverrides::default(), zero),
            Err(ConfigError::Zero("session_ttl_days"))
        );
        let zero = FileConfig {
            link_failures_per_link: Some(0),
            ..FileConfig::default()
        };
        assert_eq!(
            ServerConfig::resolve(CliOverrides::default(), zero),
            Err(ConfigError::Zero("link_failures_per_link"))
        );
    }
}

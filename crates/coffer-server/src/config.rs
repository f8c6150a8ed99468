//! Server configuration: the TOML file, the command line and the environment, merged into one
//! [`ServerConfig`]. Precedence, highest first: command-line flag, environment variable (clap
//! reads both), config file, built-in default. Pure: reading the file is the caller's job.

use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA: &str = "./coffer-data";
const DEFAULT_SESSION_TTL_DAYS: u64 = 30;
const DEFAULT_UPLOAD_TTL_HOURS: u64 = 24;

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
                ..Settings::default()
            },
        })
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
             upload_ttl_hours = 2\nlog_format = \"json\"\n",
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
    }
}

//! What every command needs from its surroundings: the config directory and session, the
//! server URL, and the password (environment, standard input or a prompt).

use crate::cli::Global;
use anyhow::{Context as _, Result, anyhow, bail};
use coffer_client::{ClientError, Drive, Session, SessionStore};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use zeroize::Zeroizing;

pub struct Context {
    pub global: Global,
    pub store: SessionStore,
}

impl Context {
    pub fn new(global: Global) -> Result<Context> {
        Ok(Context {
            store: SessionStore::new(config_dir()?),
            global,
        })
    }

    /// Progress bars and informational messages are wanted.
    pub fn chatty(&self) -> bool {
        !self.global.quiet
    }

    /// The saved session, if any.
    pub fn saved_session(&self) -> Result<Option<Session>> {
        Ok(self.store.load()?)
    }

    /// The server to sign up or log in to: `--server`/`COFFER_SERVER`, else the saved session's,
    /// else the last one used here (remembered across logout).
    pub fn server(&self, saved: Option<&Session>) -> Result<String> {
        match (&self.global.server, saved) {
            (Some(url), _) => Ok(url.trim_end_matches('/').to_owned()),
            (None, Some(session)) => Ok(session.server_url().to_owned()),
            (None, None) => match self.store.last_used()? {
                Some(last) => Ok(last.server_url),
                None => bail!("no server: pass --server or set COFFER_SERVER"),
            },
        }
    }

    /// The email of the saved session, else of the last session used here.
    pub fn last_email(&self, saved: Option<&Session>) -> Result<Option<String>> {
        Ok(match saved {
            Some(session) => Some(session.email().to_owned()),
            None => self.store.last_used()?.map(|last| last.email),
        })
    }

    /// The logged-in session; with `--server`, it must be a session on that server.
    pub fn session(&self) -> Result<Session> {
        let session = self.saved_session()?.ok_or(ClientError::NotLoggedIn)?;
        match &self.global.server {
            Some(url) if url.trim_end_matches('/') != session.server_url() => {
                Err(anyhow!(ClientError::NotLoggedIn).context(format!(
                    "logged in to {}, not to {url}",
                    session.server_url()
                )))
            }
            _ => Ok(session),
        }
    }

    /// The logged-in drive, with the contacts pinned in the config directory.
    pub fn drive(&self) -> Result<Drive> {
        Ok(Drive::open_with_store(self.session()?, &self.store)?)
    }

    /// The password: `--password-stdin`, else `COFFER_PASSWORD`, else a prompt (asked twice
    /// when `confirm`).
    pub fn password(&self, confirm: bool) -> Result<Zeroizing<String>> {
        self.secret("COFFER_PASSWORD", "Password", confirm)
    }

    /// A public link's password: `--password-stdin`, else `COFFER_LINK_PASSWORD`, else a
    /// prompt (asked twice when `confirm`, i.e. when creating the link).
    pub fn link_password(&self, confirm: bool) -> Result<Zeroizing<String>> {
        self.secret("COFFER_LINK_PASSWORD", "Link password", confirm)
    }

    fn secret(&self, env: &str, prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
        if self.global.password_stdin {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
            return non_empty(trimmed);
        }
        if let Ok(password) = std::env::var(env) {
            return non_empty(Zeroizing::new(password));
        }
        if !std::io::stdin().is_terminal() {
            bail!("no password: set {env}, pass --password-stdin, or run in a terminal");
        }
        let first = Zeroizing::new(rpassword::prompt_password(format!("{prompt}: "))?);
        if confirm {
            let again = format!("{prompt} (again): ");
            let second = Zeroizing::new(rpassword::prompt_password(again)?);
            if *first != *second {
                bail!("the passwords do not match");
            }
        }
        non_empty(first)
    }
}

fn non_empty(password: Zeroizing<String>) -> Result<Zeroizing<String>> {
    if password.is_empty() {
        bail!("the password is empty");
    }
    Ok(password)
}

/// `COFFER_CONFIG_DIR`, else the platform's config directory + `coffer`.
fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("COFFER_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir()
        .map(|d| d.join("coffer"))
        .ok_or_else(|| anyhow!("no config directory: set COFFER_CONFIG_DIR"))
}

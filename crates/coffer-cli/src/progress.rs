//! Progress bars on standard error (indicatif): one per big file, one overall bar for folder
//! transfers. Hidden when standard error is not a terminal or with `--quiet`.

use coffer_client::{NoProgress, ProgressSink, TransferId};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

/// Files smaller than this get no bar of their own inside a folder transfer.
const BIG_FILE: u64 = 8 << 20;

/// The sink for a command: bars when wanted and possible, else nothing.
pub fn sink(wanted: bool) -> Arc<dyn ProgressSink> {
    if wanted && std::io::stderr().is_terminal() {
        Arc::new(Bars::new())
    } else {
        Arc::new(NoProgress)
    }
}

struct Bars {
    multi: MultiProgress,
    overall: Mutex<Option<ProgressBar>>,
    files: Mutex<HashMap<TransferId, ProgressBar>>,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            overall: Mutex::new(None),
            files: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, total: u64, message: String) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total));
        let style = ProgressStyle::with_template(
            "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .expect("invariant: the template is valid")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(message);
        bar
    }

    fn advance(&self, id: TransferId, bytes: u64) {
        if let Some(bar) = lock(&self.files).get(&id) {
            bar.inc(bytes);
        }
        if let Some(bar) = lock(&self.overall).as_ref() {
            bar.inc(bytes);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere must not take the progress display down with it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ProgressSink for Bars {
    fn batch_started(&self, files: u64, bytes: u64) {
        let bar = self.bar(bytes, format!("{files} files"));
        *lock(&self.overall) = Some(bar);
    }

    fn file_started(&self, id: TransferId, path: &str, bytes: u64) {
        let alone = lock(&self.overall).is_none();
        if alone || bytes >= BIG_FILE {
            let name = path.rsplit('/').next().unwrap_or(path).to_owned();
            let bar = self.bar(bytes, name);
            lock(&self.files).insert(id, bar);
        }
    }

    fn transferred(&self, id: TransferId, bytes: u64) {
        self.advance(id, bytes);
    }

    fn skipped(&self, id: TransferId, bytes: u64) {
        self.advance(id, bytes);
    }

    fn file_finished(&self, id: TransferId) {
        if let Some(bar) = lock(&self.files).remove(&id) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }

    fn folder_rekeyed(&self, path: &str) {
        let mut overall = lock(&self.overall);
        let bar = overall.get_or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {pos} folders re-keyed {msg:40!}")
            {
                bar.set_style(style);
            }
            bar
        });
        bar.inc(1);
        bar.set_message(path.to_owned());
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        if let Some(bar) = lock(&self.overall).take() {
            bar.finish_and_clear();
        }
        for (_, bar) in lock(&self.files).drain() {
            bar.finish_and_clear();
        }
    }
}

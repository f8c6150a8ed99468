//! Link-key checks in progress, per rate-limit key, in this process.
//!
//! The failure windows in the database count wrong guesses once they are answered. Checked
//! alone, they would let a guesser send many guesses at once: all would read the same count,
//! all be checked, and a right one among them be answered although the limit was passed. So
//! every check first takes a slot here, and a key is locked when its recorded failures plus
//! its checks in flight reach the limit; a guesser gets at most the limit per window from one
//! server process. (Several server processes each allow their own in-flight checks on top of
//! the shared count: OPERATIONS.md says so.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Checks in flight per key.
#[derive(Debug, Default)]
pub struct LinkAttempts {
    in_flight: Mutex<HashMap<String, u64>>,
}

/// One check in flight for some keys; released when dropped.
#[derive(Debug)]
pub struct AttemptSlot {
    attempts: Arc<LinkAttempts>,
    keys: Vec<String>,
}

impl LinkAttempts {
    /// Takes a slot for every key, and tells for each how many other checks were in flight.
    pub fn begin(self: &Arc<Self>, keys: &[String]) -> (AttemptSlot, Vec<u64>) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let others = keys
            .iter()
            .map(|key| {
                let count = in_flight.entry(key.clone()).or_default();
                *count += 1;
                *count - 1
            })
            .collect();
        let slot = AttemptSlot {
            attempts: self.clone(),
            keys: keys.to_vec(),
        };
        (slot, others)
    }
}

impl Drop for AttemptSlot {
    fn drop(&mut self) {
        let mut in_flight = self
            .attempts
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(count) = in_flight.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    in_flight.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_count_others_in_flight_and_free_on_drop() {
        let attempts = Arc::new(LinkAttempts::default());
        let keys = vec!["link:a".to_string(), "ip:x".to_string()];
        let (first, others) = attempts.begin(&keys);
        assert_eq!(others, [0, 0]);
        let (second, others) = attempts.begin(&keys[1..]);
        assert_eq!(others, [1]);
        drop(first);
        let (_third, others) = attempts.begin(&keys);
        assert_eq!(others, [0, 1]);
        drop(second);
        drop(_third);
        assert!(attempts.in_flight.lock().unwrap().is_empty());
    }
}

//! One build at a time per output folder.
//!
//! Two `smelt build`s into one folder would share its staging folder (each removes what the
//! other is writing) and its build cache, and the one that swaps last could publish a site
//! with pages missing. So a build holds an exclusive lock on `build.lock` in the cache folder
//! of the output's real path ([`crate::cache::dir_for`] of the canonical path, where the
//! staging folder also is, so `-o public` and `-o link-to-public` share one lock) from before
//! it reads the last build's snapshot
//! until it has swapped in its output and saved its cache; a second build waits for it,
//! saying so. The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows):
//! it goes with the process, so a killed build never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// Name of the lock file in the cache folder.
pub const LOCK_FILE: &str = "build.lock";

/// The lock of one build; released when dropped.
#[derive(Debug)]
pub struct BuildLock {
    _file: Option<File>,
}

impl BuildLock {
    /// Locks the output whose cache folder is `cache_dir` (created when missing), waiting
    /// while another build holds it; `waiting` is called once before the wait. When the
    /// lock file cannot be created or locked (a read-only site folder, a file system without
    /// locks), the build goes on unlocked: it fails later if it cannot write either.
    pub fn take(cache_dir: &Path, waiting: impl FnOnce()) -> BuildLock {
        let file = std::fs::create_dir_all(cache_dir).and_then(|()| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(cache_dir.join(LOCK_FILE))
        });
        let Ok(file) = file else {
            return BuildLock { _file: None };
        };
        let locked = match file.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => {
                waiting();
                file.lock().is_ok()
            }
            Err(TryLockError::Error(_)) => false,
        };
        BuildLock {
            _file: locked.then_some(file),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    /// A second lock on the same folder waits until the first is dropped, and says so.
    #[test]
    fn a_second_build_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".public.smelt-cache");
        let first = BuildLock::take(&dir, || panic!("nothing to wait for"));
        assert!(dir.join(LOCK_FILE).is_file());
        let released = Arc::new(AtomicBool::new(false));
        let (said, heard) = mpsc::channel();
        let (dir2, released2) = (dir.clone(), released.clone());
        let second = std::thread::spawn(move || {
            let _lock = BuildLock::take(&dir2, || said.send(()).unwrap());
            assert!(
                released2.load(Ordering::SeqCst),
                "locked while the first held it"
            );
        });
        heard.recv_timeout(Duration::from_secs(10)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        released.store(true, Ordering::SeqCst);
        drop(first);
        second.join().unwrap();
        // Free again: no wait.
        let _again = BuildLock::take(&dir, || panic!("the lock was not released"));
    }
}

//! Issue 11, defect 8: an import parses its sources before it takes the store's writer lock,
//! so another writer waits for the writing only.

use crate::scoring::demo;
use patron_app::import::LockRequest;
use patron_app::{ImportRequest, Progress, import};
use patron_store::{WriterLock, lock_path};
use std::fs::File;
use std::path::PathBuf;

/// Records the stages and, at every reading step, whether the writer lock was free.
#[derive(Default)]
struct Watch {
    lock_file: PathBuf,
    stages: Vec<String>,
    read_steps: u64,
    lock_free_while_reading: bool,
    waited: Vec<String>,
}

impl Watch {
    fn lock_is_free(&self) -> bool {
        let Ok(file) = File::open(&self.lock_file) else {
            return true; // never created: nobody took it
        };
        // A lock is per open file: this open conflicts with any holder, in this process or not.
        let free = file.try_lock().is_ok();
        let _ = file.unlock();
        free
    }
}

impl Progress for Watch {
    fn stage(&mut self, name: &str, _: Option<u64>) {
        self.stages.push(name.to_owned());
    }
    fn message(&mut self, _: &str) {}
    fn advance(&mut self, _: u64) {}
    fn position(&mut self, _: u64, _: u64) {
        if self.stages.last().map(String::as_str) == Some("reading") {
            self.read_steps += 1;
            self.lock_free_while_reading &= self.lock_is_free();
        }
    }
    fn waiting(&mut self, why: &str) {
        self.waited.push(why.to_owned());
    }
}

fn locked_import(wait: bool) -> ImportRequest {
    ImportRequest {
        writer_lock: Some(LockRequest {
            command: "import".into(),
            wait,
        }),
        ..ImportRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_parses_before_it_takes_the_writer_lock() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo(dir.path(), 300);
    let store = project.create_store().await.unwrap();
    let db = patron_store::store_file(&project.store_url, &project.dir).unwrap();
    let mut watch = Watch {
        lock_file: lock_path(&db),
        lock_free_while_reading: true,
        ..Watch::default()
    };

    // Another writer holds the store: the import reads and validates every source, and only
    // then, about to write, refuses (without waiting), having written nothing.
    let holder = WriterLock::acquire(&db, "score", false, |_| {})
        .await
        .unwrap();
    let err = import(&project, store.as_ref(), &locked_import(false), &mut watch)
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "store_busy", "{err}");
    assert!(err.to_string().contains("another patron score"), "{err}");
    assert!(watch.read_steps > 0);
    assert_eq!(watch.stages, ["reading"], "nothing was written");
    assert!(store.customer_ids().await.unwrap().is_empty());
    drop(holder);

    // The store is free: the lock is free through the whole reading, then taken for writing.
    let mut watch = Watch {
        lock_file: lock_path(&db),
        lock_free_while_reading: true,
        ..Watch::default()
    };
    let imported = import(&project, store.as_ref(), &locked_import(false), &mut watch)
        .await
        .unwrap();
    assert!(imported.sources.iter().map(|s| s.imported).sum::<u64>() > 1000);
    assert!(watch.read_steps > 0);
    assert!(watch.lock_free_while_reading);
    assert_eq!(watch.stages, ["reading", "writing"]);
    assert!(watch.waited.is_empty());
    assert!(watch.lock_is_free(), "released after the commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_larger_than_its_buffer_streams_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo(dir.path(), 300);
    let store = project.create_store().await.unwrap();
    // A buffer of one record: writing starts with the first chunk and the rest streams.
    let small = ImportRequest {
        buffer_rows: 1,
        ..locked_import(true)
    };
    let streamed = import(&project, store.as_ref(), &small, &mut patron_app::Silent)
        .await
        .unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = demo(fresh_dir.path(), 300);
    let fresh_store = fresh.create_store().await.unwrap();
    let buffered = import(
        &fresh,
        fresh_store.as_ref(),
        &ImportRequest::default(),
        &mut patron_app::Silent,
    )
    .await
    .unwrap();
    let counts = |i: &patron_app::import::Imported| {
        i.sources
            .iter()
            .map(|s| (s.read.source.clone(), s.imported, s.duplicates))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&streamed), counts(&buffered));
    assert_eq!(
        store.customer_ids().await.unwrap(),
        fresh_store.customer_ids().await.unwrap()
    );
}

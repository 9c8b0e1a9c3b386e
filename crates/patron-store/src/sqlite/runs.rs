//! Score runs, cards and alarm episodes in SQLite.

use super::now_text;
use crate::{
    AlarmRecord, CardRecord, Result, ScoreRunEnd, ScoreRunHeader, ScoreRunRecord, ScoreRunWriter,
    StoreError,
};
use patron_core::Timestamp;
use patron_core::ids::CustomerId;
use rustc_hash::FxHashMap;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zstd::dict::DecoderDictionary;

/// Cards are compressed with a dictionary once a run has at least this many (the first chunk's
/// cards train it).
const DICTIONARY_MIN_CARDS: usize = 1_000;
/// Cards the dictionary is trained on.
pub(super) const DICTIONARY_SAMPLES: usize = 4_000;
/// The dictionary's size in bytes (zstd's default).
pub(super) const DICTIONARY_BYTES: usize = 112_640;
/// Chunks of cards waiting for the writer thread: enough to keep it busy while the next chunk
/// is computed, few enough that a run never holds more than a few chunks in memory.
const CHUNKS_IN_FLIGHT: usize = 2;

enum Message {
    Cards(Vec<CardRecord>),
    Finish(ScoreRunEnd),
}

/// Writes a run on its own thread and plain connection, in one transaction: cards arrive
/// through a bounded channel, are compressed on two threads and inserted through one prepared
/// statement while the caller computes the next chunk.
pub(super) struct RunWriter {
    sender: Option<tokio::sync::mpsc::Sender<Message>>,
    thread: Option<std::thread::JoinHandle<Result<i64>>>,
}

impl RunWriter {
    pub(super) fn begin(path: &std::path::Path, header: ScoreRunHeader) -> Self {
        let (sender, receiver) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let path = path.to_owned();
        let thread = std::thread::spawn(move || write_run(&path, &header, receiver));
        RunWriter {
            sender: Some(sender),
            thread: Some(thread),
        }
    }

    /// The writer thread's result (it has stopped or is about to).
    async fn join(&mut self) -> Result<i64> {
        self.sender = None;
        let Some(thread) = self.thread.take() else {
            return Err(StoreError::Bulk(
                "the score run was already finished".into(),
            ));
        };
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|e| StoreError::Bulk(e.to_string()))?
            .map_err(|_| StoreError::Bulk("the score-run writer panicked".into()))?
    }

    async fn send(&mut self, message: Message) -> Result<()> {
        let Some(sender) = &self.sender else {
            return Err(StoreError::Bulk(
                "the score run was already finished".into(),
            ));
        };
        if sender.send(message).await.is_err() {
            // The thread stopped early: its error says why.
            self.join().await?;
            return Err(StoreError::Bulk("the score-run writer stopped".into()));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ScoreRunWriter for RunWriter {
    async fn write_cards(&mut self, cards: Vec<CardRecord>) -> Result<()> {
        self.send(Message::Cards(cards)).await
    }

    async fn finish(mut self: Box<Self>, end: ScoreRunEnd) -> Result<i64> {
        self.send(Message::Finish(end)).await?;
        self.join().await
    }
}

pub(super) fn bulk_error(e: rusqlite::Error) -> StoreError {
    StoreError::Bulk(e.to_string())
}

/// The writer thread. The run's id is reserved in `pending_runs` first; each chunk of cards is
/// committed in a transaction of its own (so live writers wait for a chunk, never for the whole
/// run); the run itself appears in `score_runs`, with its summary and alarm episodes, in one
/// last transaction. Until then no reader sees any of its cards (readers go through
/// `score_runs`); a run that stops early deletes its cards, and one killed leaves them to the
/// next run, which deletes them first.
fn write_run(
    path: &std::path::Path,
    header: &ScoreRunHeader,
    mut receiver: tokio::sync::mpsc::Receiver<Message>,
) -> Result<i64> {
    let mut conn = super::bulk::writer(path).map_err(bulk_error)?;
    // Cards are written before their run row exists (it appears in the last transaction).
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(bulk_error)?;
    let id = reserve_run(&mut conn, path).map_err(bulk_error)?;
    let result = write_reserved(&mut conn, id, header, &mut receiver);
    if result.is_err() {
        // Best effort: a run that stopped early leaves nothing (else the next run cleans up).
        let _ = abandon(&mut conn, id);
    }
    active_runs().remove(&(path.to_owned(), id));
    result
}

/// Runs this process is writing, by store file: a pending run not among them was left by a
/// process that was killed (one batch writer process at a time holds the writer lock).
fn active_runs()
-> std::sync::MutexGuard<'static, std::collections::BTreeSet<(std::path::PathBuf, i64)>> {
    static ACTIVE: Mutex<std::collections::BTreeSet<(std::path::PathBuf, i64)>> =
        Mutex::new(std::collections::BTreeSet::new());
    ACTIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Deletes the cards of runs abandoned by a killed process and reserves the next run id.
fn reserve_run(conn: &mut rusqlite::Connection, path: &std::path::Path) -> rusqlite::Result<i64> {
    let mut active = active_runs();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let pending: Vec<i64> = tx
        .prepare("SELECT id FROM pending_runs")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in pending {
        if !active.contains(&(path.to_owned(), id)) {
            tx.execute("DELETE FROM score_cards WHERE run_id = ?1", [id])?;
            tx.execute("DELETE FROM pending_runs WHERE id = ?1", [id])?;
        }
    }
    let id: i64 = tx.query_row(
        "INSERT INTO pending_runs (id, started_at) VALUES (\
         (SELECT MAX(COALESCE((SELECT MAX(id) FROM score_runs), 0), \
                     COALESCE((SELECT MAX(id) FROM pending_runs), 0)) + 1), ?1) RETURNING id",
        rusqlite::params![now_text()],
        |r| r.get(0),
    )?;
    tx.commit()?;
    active.insert((path.to_owned(), id));
    Ok(id)
}

fn abandon(conn: &mut rusqlite::Connection, id: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM score_cards WHERE run_id = ?1", [id])?;
    tx.execute("DELETE FROM pending_runs WHERE id = ?1", [id])?;
    tx.commit()
}

fn write_reserved(
    conn: &mut rusqlite::Connection,
    id: i64,
    header: &ScoreRunHeader,
    receiver: &mut tokio::sync::mpsc::Receiver<Message>,
) -> Result<i64> {
    let keys = {
        let tx = conn.transaction().map_err(bulk_error)?;
        let keys = customer_keys(&tx).map_err(bulk_error)?;
        tx.commit().map_err(bulk_error)?;
        keys
    };
    let key_of = |id: &CustomerId| {
        keys.get(id.as_str())
            .copied()
            .ok_or_else(|| StoreError::Bulk(format!("unknown customer {id}")))
    };
    let mut compressors: Option<CardCompressors> = None;
    let mut written = 0i64;
    while let Some(message) = receiver.blocking_recv() {
        let chunk = match message {
            Message::Cards(chunk) => chunk,
            Message::Finish(end) => {
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(bulk_error)?;
                tx.execute(
                    "INSERT INTO score_runs (id, as_of, created_at, customers, rules_version, context, summary, card_dictionary)
                     VALUES (?1, ?2, ?3, 0, ?4, ?5, '{}', ?6)",
                    rusqlite::params![
                        id,
                        header.as_of.secs(),
                        now_text(),
                        header.rules_version,
                        header.context,
                        compressors.as_ref().and_then(|c| c.dictionary.as_deref()),
                    ],
                )
                .map_err(bulk_error)?;
                finish_run(&tx, id, written, header.as_of, &end, &key_of)?;
                tx.execute("DELETE FROM pending_runs WHERE id = ?1", [id])
                    .map_err(bulk_error)?;
                tx.commit().map_err(bulk_error)?;
                return Ok(id);
            }
        };
        if chunk.is_empty() {
            continue;
        }
        let compressors = match &mut compressors {
            Some(c) => c,
            None => compressors.insert(CardCompressors::for_run(&chunk)?),
        };
        let blobs = compressors.compress(&chunk)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(bulk_error)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO score_cards (run_id, customer_key, tier, status, value_score, churn_risk, clv, stage, action, card)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(bulk_error)?;
            for (c, blob) in chunk.iter().zip(&blobs) {
                insert
                    .execute(rusqlite::params![
                        id,
                        key_of(&c.customer_id)?,
                        c.tier,
                        c.status,
                        c.value_score,
                        c.churn_risk,
                        c.clv,
                        c.stage,
                        c.action,
                        blob
                    ])
                    .map_err(bulk_error)?;
            }
        }
        tx.commit().map_err(bulk_error)?;
        written += chunk.len() as i64;
    }
    Err(StoreError::Bulk(
        "the score run was abandoned before it finished: nothing was stored".into(),
    ))
}

/// Active customers' keys by id.
fn customer_keys(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<FxHashMap<String, i64>> {
    let mut stmt = tx.prepare("SELECT id, key FROM customers WHERE merged_into IS NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    rows.collect()
}

/// The run's summary and card count, and its alarm episodes raised and cleared.
fn finish_run(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    cards: i64,
    as_of: Timestamp,
    end: &ScoreRunEnd,
    key_of: &dyn Fn(&CustomerId) -> Result<i64>,
) -> Result<()> {
    tx.execute(
        "UPDATE score_runs SET customers = ?1, summary = ?2 WHERE id = ?3",
        rusqlite::params![cards, end.summary.to_string(), id],
    )
    .map_err(bulk_error)?;
    // A back-dated run (an earlier as_of than a stored run) describes the past: it never
    // raises or clears the current alarm episodes.
    let later: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM score_runs WHERE id <> ?1 AND as_of > ?2",
            rusqlite::params![id, as_of.secs()],
            |r| r.get(0),
        )
        .map_err(bulk_error)?;
    if later > 0 {
        return Ok(());
    }
    let mut raise = tx
        .prepare(
            "INSERT INTO alarms (customer_key, kind, evidence, raised_run, raised_as_of) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(bulk_error)?;
    for (customer, kind, evidence) in &end.raised {
        raise
            .execute(rusqlite::params![
                key_of(customer)?,
                kind,
                evidence,
                id,
                as_of.secs()
            ])
            .map_err(bulk_error)?;
    }
    let mut clear = tx
        .prepare(
            "UPDATE alarms SET cleared_run = ?1, cleared_as_of = ?2 WHERE customer_key = ?3 AND kind = ?4 AND cleared_run IS NULL",
        )
        .map_err(bulk_error)?;
    for (customer, kind) in &end.cleared {
        clear
            .execute(rusqlite::params![id, as_of.secs(), key_of(customer)?, kind])
            .map_err(bulk_error)?;
    }
    Ok(())
}

fn run_of(r: &SqliteRow) -> Result<ScoreRunRecord> {
    let summary: String = r.try_get("summary")?;
    Ok(ScoreRunRecord {
        id: r.try_get("id")?,
        as_of: Timestamp::from_secs(r.try_get("as_of")?),
        created_at: r.try_get("created_at")?,
        customers: r.try_get::<i64, _>("customers")? as u64,
        rules_version: r.try_get("rules_version")?,
        context: r.try_get("context")?,
        summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null),
    })
}

const RUN_COLUMNS: &str = "id, as_of, created_at, customers, rules_version, context, summary";

pub(super) async fn list(pool: &SqlitePool, id: Option<i64>) -> Result<Vec<ScoreRunRecord>> {
    let rows = match id {
        Some(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM score_runs WHERE id = ?"
            )))
            .bind(id)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM score_runs ORDER BY id"
            )))
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(run_of).collect()
}

/// The latest as_of, not the run created last (a back-dated run is not "latest").
pub(super) async fn latest_id(pool: &SqlitePool) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM score_runs ORDER BY as_of DESC, id DESC LIMIT 1")
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn one(pool: &SqlitePool, id: Option<i64>) -> Result<Option<ScoreRunRecord>> {
    let id = match id {
        Some(id) => id,
        None => match latest_id(pool).await? {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    Ok(list(pool, Some(id)).await?.pop())
}

fn card_of(r: &SqliteRow, reader: &mut CardReader) -> Result<CardRecord> {
    let id: String = r.try_get("id")?;
    Ok(CardRecord {
        customer_id: CustomerId::parse(&id).map_err(|e| StoreError::Merge(e.to_string()))?,
        tier: r.try_get("tier")?,
        status: r.try_get("status")?,
        value_score: r.try_get("value_score")?,
        churn_risk: r.try_get("churn_risk")?,
        clv: r.try_get("clv")?,
        stage: r.try_get("stage")?,
        action: r.try_get("action")?,
        card: reader.text(r.try_get("card")?)?,
    })
}

/// Cards are stored zstd-compressed (a run of a million cards is gigabytes of JSON otherwise).
pub(super) const CARD_LEVEL: i32 = 1;

/// Reads the stored cards of one run: one decompression context, with the run's dictionary
/// loaded once (creating a context per card cost more than decompressing it).
pub(super) struct CardReader<'a> {
    decompressor: zstd::bulk::Decompressor<'a>,
}

impl<'a> CardReader<'a> {
    /// With a run's dictionary prepared once (see [`Dictionaries`]).
    pub(super) fn prepared(dictionary: Option<&'a DecoderDictionary<'static>>) -> Result<Self> {
        let decompressor = match dictionary {
            Some(d) => zstd::bulk::Decompressor::with_prepared_dictionary(d),
            None => zstd::bulk::Decompressor::new(),
        }
        .map_err(|e| StoreError::Bulk(format!("reading cards: {e}")))?;
        Ok(CardReader { decompressor })
    }
}

impl CardReader<'static> {
    pub(super) fn new(dictionary: Option<&[u8]>) -> Result<Self> {
        let decompressor = match dictionary {
            Some(d) => zstd::bulk::Decompressor::with_dictionary(d),
            None => zstd::bulk::Decompressor::new(),
        }
        .map_err(|e| StoreError::Bulk(format!("reading cards: {e}")))?;
        Ok(CardReader { decompressor })
    }
}

impl CardReader<'_> {
    /// The JSON of a stored card: compressed, or plain text as early runs stored it.
    pub(super) fn text(&mut self, stored: Vec<u8>) -> Result<String> {
        const MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
        let bad = |e: std::io::Error| StoreError::Bulk(format!("a stored card: {e}"));
        let bytes = if stored.starts_with(&MAGIC) {
            // Every card frame records its size; a frame without one is refused, not guessed.
            let size = zstd::zstd_safe::get_frame_content_size(&stored)
                .ok()
                .flatten()
                .ok_or_else(|| StoreError::Bulk("a stored card has no content size".into()))?;
            self.decompressor
                .decompress(&stored, size as usize)
                .map_err(bad)?
        } else {
            stored
        };
        String::from_utf8(bytes).map_err(|e| StoreError::Bulk(format!("a stored card: {e}")))
    }
}

/// Cards a chunk of [`card_chunks`] holds: many for a reader of the whole run, few for a page.
pub(super) const READ_CHUNK: usize = 10_000;
pub(super) const PAGE_CHUNK: usize = 500;

/// Every card of a run in customer-id order, in chunks, read on a thread of its own: a reader
/// holds a chunk or two at a time instead of the whole run.
pub(super) fn card_chunks(
    path: &std::path::Path,
    run_id: i64,
    after: Option<&CustomerId>,
    chunk: usize,
) -> crate::CardChunks {
    let after = after.map_or_else(String::new, |id| id.as_str().to_owned());
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let path = path.to_owned();
    std::thread::spawn(move || {
        if let Err(e) = read_card_chunks(&path, run_id, &after, chunk, &sender) {
            // The reader may have gone; then nobody is left to tell.
            let _ = sender.blocking_send(Err(e));
        }
    });
    receiver
}

fn read_card_chunks(
    path: &std::path::Path,
    run_id: i64,
    after: &str,
    size: usize,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<CardRecord>>>,
) -> Result<()> {
    use rusqlite::OptionalExtension;
    use rusqlite::types::ValueRef;
    let conn = super::bulk::reader(path).map_err(bulk_error)?;
    let dictionary: Option<Vec<u8>> = conn
        .query_row(
            "SELECT card_dictionary FROM score_runs WHERE id = ?1",
            [run_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(bulk_error)?
        .flatten();
    let mut reader = CardReader::new(dictionary.as_deref())?;
    let mut stmt = conn
        .prepare(&format!(
            // Customers in id order drive the loop (CROSS JOIN keeps them outside), so the
            // first rows come at once instead of after sorting the whole run.
            "SELECT {CARD_COLUMNS} FROM customers c CROSS JOIN score_cards s
             ON s.customer_key = c.key AND s.run_id = ?1
             WHERE c.id > ?2 ORDER BY c.id"
        ))
        .map_err(bulk_error)?;
    let mut rows = stmt
        .query(rusqlite::params![run_id, after])
        .map_err(bulk_error)?;
    let mut chunk = Vec::with_capacity(size);
    while let Some(r) = rows.next().map_err(bulk_error)? {
        let id: String = r.get(0).map_err(bulk_error)?;
        // Early runs stored the card as plain JSON text.
        let stored = match r.get_ref(8).map_err(bulk_error)? {
            ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
            _ => return Err(StoreError::Bulk(format!("the card of {id} is missing"))),
        };
        chunk.push(CardRecord {
            customer_id: CustomerId::parse(&id).map_err(|e| StoreError::Merge(e.to_string()))?,
            tier: r.get(1).map_err(bulk_error)?,
            status: r.get(2).map_err(bulk_error)?,
            value_score: r.get(3).map_err(bulk_error)?,
            churn_risk: r.get(4).map_err(bulk_error)?,
            clv: r.get(5).map_err(bulk_error)?,
            stage: r.get(6).map_err(bulk_error)?,
            action: r.get(7).map_err(bulk_error)?,
            card: reader.text(stored)?,
        });
        if chunk.len() == size {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(size));
            if sender.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.blocking_send(Ok(chunk));
    }
    Ok(())
}

/// Runs' dictionaries, prepared for decompression once per run and kept: preparing one costs
/// more than reading a card (a run's dictionary never changes).
#[derive(Clone, Default)]
pub(super) struct Dictionaries(Arc<Mutex<HashMap<i64, Option<Arc<DecoderDictionary<'static>>>>>>);

impl std::fmt::Debug for Dictionaries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dictionaries({} runs)", self.lock().len())
    }
}

impl Dictionaries {
    async fn of(
        &self,
        pool: &SqlitePool,
        run_id: i64,
    ) -> Result<Option<Arc<DecoderDictionary<'static>>>> {
        if let Some(prepared) = self.lock().get(&run_id) {
            return Ok(prepared.clone());
        }
        let row: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT card_dictionary FROM score_runs WHERE id = ?")
                .bind(run_id)
                .fetch_optional(pool)
                .await?;
        let Some(raw) = row else {
            // No such run (yet): nothing to keep.
            return Ok(None);
        };
        let prepared = raw
            .map(|d| DecoderDictionary::try_copy(&d).map(Arc::new))
            .transpose()
            .map_err(|e| StoreError::Bulk(format!("the card dictionary of run {run_id}: {e}")))?;
        self.lock().insert(run_id, prepared.clone());
        Ok(prepared)
    }

    /// [`Dictionaries::of`] on a connection of the caller's (a blocking thread).
    pub(super) fn of_blocking(
        &self,
        conn: &rusqlite::Connection,
        run_id: i64,
    ) -> Result<Option<Arc<DecoderDictionary<'static>>>> {
        use rusqlite::OptionalExtension;
        if let Some(prepared) = self.lock().get(&run_id) {
            return Ok(prepared.clone());
        }
        let row: Option<Option<Vec<u8>>> = conn
            .prepare_cached("SELECT card_dictionary FROM score_runs WHERE id = ?1")
            .and_then(|mut s| s.query_row([run_id], |r| r.get(0)).optional())
            .map_err(bulk_error)?;
        let Some(raw) = row else {
            return Ok(None);
        };
        let prepared = raw
            .map(|d| DecoderDictionary::try_copy(&d).map(Arc::new))
            .transpose()
            .map_err(|e| StoreError::Bulk(format!("the card dictionary of run {run_id}: {e}")))?;
        self.lock().insert(run_id, prepared.clone());
        Ok(prepared)
    }

    /// Drops the prepared dictionaries of runs whose cards were compressed again.
    pub(super) fn forget(&self, runs: &[i64]) {
        let mut cache = self.lock();
        for run in runs {
            cache.remove(run);
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<i64, Option<Arc<DecoderDictionary<'static>>>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The compression contexts of a run's writer: one per thread, sharing the run's dictionary.
struct CardCompressors {
    dictionary: Option<Vec<u8>>,
    threads: Vec<zstd::bulk::Compressor<'static>>,
}

impl CardCompressors {
    /// Trains the run's dictionary on the first chunk's cards, if there are enough of them.
    fn for_run(first: &[CardRecord]) -> Result<Self> {
        let io = |e: std::io::Error| StoreError::Bulk(format!("compressing cards: {e}"));
        let dictionary = if first.len() >= DICTIONARY_MIN_CARDS {
            let samples: Vec<&[u8]> = first
                .iter()
                .take(DICTIONARY_SAMPLES)
                .map(|c| c.card.as_bytes())
                .collect();
            // Training fails on samples too alike or too small; the cards are then compressed
            // one by one.
            zstd::dict::from_samples(&samples, DICTIONARY_BYTES).ok()
        } else {
            None
        };
        let threads = (0..COMPRESSION_THREADS)
            .map(|_| match &dictionary {
                Some(d) => zstd::bulk::Compressor::with_dictionary(CARD_LEVEL, d),
                None => zstd::bulk::Compressor::new(CARD_LEVEL),
            })
            .collect::<std::io::Result<_>>()
            .map_err(io)?;
        Ok(CardCompressors {
            dictionary,
            threads,
        })
    }

    /// Every card's JSON, compressed on the threads (one context each: creating one per card
    /// costs more than compressing it).
    fn compress(&mut self, cards: &[CardRecord]) -> Result<Vec<Vec<u8>>> {
        let part = cards.len().div_ceil(self.threads.len()).max(1);
        let parts = std::thread::scope(|s| {
            let handles: Vec<_> = cards
                .chunks(part)
                .zip(self.threads.iter_mut())
                .map(|(cards, compressor)| {
                    s.spawn(move || {
                        cards
                            .iter()
                            .map(|c| compressor.compress(c.card.as_bytes()))
                            .collect::<std::io::Result<Vec<_>>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("compression thread"))
                .collect::<std::io::Result<Vec<_>>>()
        })
        .map_err(|e| StoreError::Bulk(format!("compressing cards: {e}")))?;
        Ok(parts.into_iter().flatten().collect())
    }
}

/// Threads that compress cards.
const COMPRESSION_THREADS: usize = 2;

const CARD_COLUMNS: &str =
    "c.id, s.tier, s.status, s.value_score, s.churn_risk, s.clv, s.stage, s.action, s.card";

/// The key a customer id resolves to (a merged-away id gives its survivor).
async fn resolve(pool: &SqlitePool, customer: &CustomerId) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(merged_into, key) FROM customers WHERE id = ?")
            .bind(customer.as_str())
            .fetch_optional(pool)
            .await?,
    )
}

/// A customer's card in a run (a merged-away id finds its survivor's).
pub(super) async fn card(
    pool: &SqlitePool,
    dictionaries: &Dictionaries,
    run_id: i64,
    customer: &CustomerId,
) -> Result<Option<CardRecord>> {
    let Some(key) = resolve(pool, customer).await? else {
        return Ok(None);
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM score_cards s JOIN customers c ON c.key = s.customer_key
         WHERE s.run_id = ? AND s.customer_key = ?"
    )))
    .bind(run_id)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let dictionary = dictionaries.of(pool, run_id).await?;
    let mut reader = CardReader::prepared(dictionary.as_deref())?;
    match card_of(&row, &mut reader) {
        Ok(card) => Ok(Some(card)),
        // Another process may have compressed the run again (an erasure): the dictionary kept
        // here is then stale. Read it again, once.
        Err(_) => {
            dictionaries.forget(&[run_id]);
            let dictionary = dictionaries.of(pool, run_id).await?;
            let mut reader = CardReader::prepared(dictionary.as_deref())?;
            card_of(&row, &mut reader).map(Some)
        }
    }
}

pub(super) async fn history(
    pool: &SqlitePool,
    customer: &CustomerId,
) -> Result<Vec<(i64, Timestamp, CardRecord)>> {
    let Some(key) = resolve(pool, customer).await? else {
        return Ok(Vec::new());
    };
    // One primary-key look-up per run (there is no index by customer).
    let runs = sqlx::query("SELECT id, as_of, card_dictionary FROM score_runs ORDER BY id")
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for run in &runs {
        let run_id: i64 = run.try_get(0)?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLUMNS} FROM score_cards s JOIN customers c ON c.key = s.customer_key
             WHERE s.run_id = ? AND s.customer_key = ?"
        )))
        .bind(run_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
        if let Some(row) = row {
            out.push((
                run_id,
                Timestamp::from_secs(run.try_get(1)?),
                card_of(
                    &row,
                    &mut CardReader::new(run.try_get::<Option<Vec<u8>>, _>(2)?.as_deref())?,
                )?,
            ));
        }
    }
    Ok(out)
}

/// Alarm episodes (open ones only, or all), of one customer or of everyone, in id order.
pub(super) async fn alarms(
    pool: &SqlitePool,
    open_only: bool,
    customer: Option<&CustomerId>,
) -> Result<Vec<AlarmRecord>> {
    let mut conditions = Vec::new();
    if open_only {
        conditions.push("a.cleared_run IS NULL");
    }
    if customer.is_some() {
        conditions.push("c.id = ?");
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let query = sqlx::AssertSqlSafe(format!(
        "SELECT a.id, c.id AS customer, a.kind, a.evidence, a.raised_run, a.raised_as_of, a.cleared_run, a.cleared_as_of
         FROM alarms a JOIN customers c ON c.key = a.customer_key {filter} ORDER BY a.id"
    ));
    let mut query = sqlx::query(query);
    if let Some(id) = customer {
        query = query.bind(id.as_str());
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("customer")?;
            Ok(AlarmRecord {
                id: r.try_get("id")?,
                customer_id: CustomerId::parse(&id)
                    .map_err(|e| StoreError::Merge(e.to_string()))?,
                kind: r.try_get("kind")?,
                evidence: r.try_get("evidence")?,
                raised_run: r.try_get("raised_run")?,
                raised_as_of: Timestamp::from_secs(r.try_get("raised_as_of")?),
                cleared_run: r.try_get("cleared_run")?,
                cleared_as_of: r
                    .try_get::<Option<i64>, _>("cleared_as_of")?
                    .map(Timestamp::from_secs),
            })
        })
        .collect()
}

pub(super) async fn tiers(pool: &SqlitePool, run_id: i64) -> Result<Vec<(CustomerId, String)>> {
    let rows = sqlx::query(
        "SELECT c.id, s.tier FROM score_cards s JOIN customers c ON c.key = s.customer_key WHERE s.run_id = ?",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get(0)?;
            Ok((
                CustomerId::parse(&id).map_err(|e| StoreError::Merge(e.to_string()))?,
                r.try_get(1)?,
            ))
        })
        .collect()
}

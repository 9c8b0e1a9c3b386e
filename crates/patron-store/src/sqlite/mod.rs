//! The SQLite backend: one file in the project directory, WAL journal, embedded migrations.

mod api;
mod bulk;
mod contests;
mod customer;
mod durability;
mod import;
mod load;
mod merge;
mod models;
mod privacy;
mod rows;
mod rules;
mod runs;
mod search;
mod segments;

use crate::{MergeRecord, Result, SourceStatus, StoreStatus, TableStatus};
use async_trait::async_trait;
use patron_core::facts::Facts;
use patron_core::ids::CustomerId;
use patron_core::model::Customer;
use patron_core::{Money, Timestamp};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, SqlSafeStr};
use std::path::Path;
use std::time::Duration;

/// Patron's embedded store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, for the bulk paths on plain connections.
    path: std::path::PathBuf,
    /// A read-only connection kept open for loading one customer's facts.
    single: customer::SingleReader,
    /// Checkpoints the write-ahead log into the file when the last clone of a store that
    /// wrote is dropped.
    closer: std::sync::Arc<durability::Closer>,
    /// Runs' card dictionaries, prepared once.
    dictionaries: runs::Dictionaries,
}

fn migration(version: i64, name: &'static str, sql: &'static str) -> Migration {
    Migration::new(
        version,
        name.into(),
        MigrationType::Simple,
        sql.into_sql_str(),
        false,
    )
}

fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        migration(
            1,
            "facts",
            include_str!("../../migrations/sqlite/0001_facts.sql"),
        ),
        migration(
            2,
            "rules",
            include_str!("../../migrations/sqlite/0002_rules.sql"),
        ),
        migration(
            3,
            "models",
            include_str!("../../migrations/sqlite/0003_models.sql"),
        ),
        migration(
            4,
            "score_runs",
            include_str!("../../migrations/sqlite/0004_score_runs.sql"),
        ),
        migration(
            5,
            "score_cards_rowid",
            include_str!("../../migrations/sqlite/0005_score_cards_rowid.sql"),
        ),
        migration(
            6,
            "card_dictionary",
            include_str!("../../migrations/sqlite/0006_card_dictionary.sql"),
        ),
        migration(
            7,
            "fact_times",
            include_str!("../../migrations/sqlite/0007_fact_times.sql"),
        ),
        migration(
            8,
            "events_by_customer",
            include_str!("../../migrations/sqlite/0008_events_by_customer.sql"),
        ),
        migration(
            9,
            "order_lines_by_customer",
            include_str!("../../migrations/sqlite/0009_order_lines_by_customer.sql"),
        ),
        migration(
            10,
            "alarms_by_customer",
            include_str!("../../migrations/sqlite/0010_alarms_by_customer.sql"),
        ),
        migration(
            11,
            "fact_history",
            include_str!("../../migrations/sqlite/0011_fact_history.sql"),
        ),
        migration(
            12,
            "event_types",
            include_str!("../../migrations/sqlite/0012_event_types.sql"),
        ),
        migration(
            13,
            "api",
            include_str!("../../migrations/sqlite/0013_api.sql"),
        ),
        migration(
            14,
            "webhooks",
            include_str!("../../migrations/sqlite/0014_webhooks.sql"),
        ),
        migration(
            15,
            "fact history fields",
            include_str!("../../migrations/sqlite/0015_fact_history_fields.sql"),
        ),
        migration(
            16,
            "pending runs",
            include_str!("../../migrations/sqlite/0016_pending_runs.sql"),
        ),
        migration(
            17,
            "live pending",
            include_str!("../../migrations/sqlite/0017_live_pending.sql"),
        ),
        migration(
            18,
            "customer search",
            include_str!("../../migrations/sqlite/0018_customer_search.sql"),
        ),
        migration(
            19,
            "saved segments",
            include_str!("../../migrations/sqlite/0019_saved_segments.sql"),
        ),
        migration(
            20,
            "privacy",
            include_str!("../../migrations/sqlite/0020_privacy.sql"),
        ),
        migration(
            21,
            "contests and pseudonyms",
            include_str!("../../migrations/sqlite/0021_contests_pseudonyms.sql"),
        ),
        migration(
            22,
            "contracts",
            include_str!("../../migrations/sqlite/0022_contracts.sql"),
        ),
    ])
}

/// Wall-clock time for audit columns (never used in computations).
pub(crate) fn now_text() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_secs(secs).to_string()
}

impl SqliteStore {
    /// Opens or creates the database file and brings its schema up to date. A store on a
    /// read-only file system (or in a directory this process cannot write) opens read-only:
    /// every reading command works, a writing one fails on its first write.
    pub async fn open(path: &Path) -> Result<Self> {
        if path.is_file() && bulk::read_only(path) {
            return Self::open_read_only(path).await;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(false)
            .busy_timeout(Duration::from_secs(30))
            .pragma("cache_size", "-262144")
            // After a checkpoint the log file is cut back to 64 MiB instead of keeping the
            // size of the largest transaction.
            .pragma("journal_size_limit", "67108864")
            // Checkpoints run on a thread of their own (see `durability::Closer`), never in
            // a committing request.
            .pragma("wal_autocheckpoint", "0")
            // Deleted and replaced rows are overwritten with zeros, so an erased person (GDPR
            // Art. 17) leaves nothing in free space.
            .pragma("secure_delete", "ON")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        migrator().run(&pool).await?;
        Ok(SqliteStore {
            pool,
            path: path.to_owned(),
            single: customer::SingleReader::default(),
            dictionaries: runs::Dictionaries::default(),
            closer: std::sync::Arc::new(durability::Closer::new(path)),
        })
    }

    /// Opens a store that cannot be written: immutable (no locks, no write-ahead log, which a
    /// read-only directory cannot hold), and only if its schema is current (a read-only store
    /// cannot be migrated).
    async fn open_read_only(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true)
            .foreign_keys(false)
            .pragma("cache_size", "-262144")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await?;
        let latest = migrator().iter().map(|m| m.version).max().unwrap_or(0);
        if applied.unwrap_or(0) < latest {
            return Err(crate::StoreError::Lock(format!(
                "the store {} is read-only and its schema is older than this patron's (version {} < {latest}): open it once where it can be written",
                path.display(),
                applied.unwrap_or(0)
            )));
        }
        Ok(SqliteStore {
            pool,
            path: path.to_owned(),
            single: customer::SingleReader::default(),
            dictionaries: runs::Dictionaries::default(),
            closer: std::sync::Arc::new(durability::Closer::new(path)),
        })
    }

    /// The connection pool (for backend-specific tests and tools).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn count(&self, sql: &'static str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    /// Total revenue: SQLite's exact integer `SUM`, or where that overflows its 64 bits (only
    /// possible with far more than 9,000 lines at the largest amount allowed), the
    /// floating-point `TOTAL`, saturated to what [`Money`] holds.
    async fn revenue(&self) -> Result<Money> {
        match sqlx::query_scalar::<_, Option<i64>>("SELECT SUM(amount) FROM order_lines")
            .fetch_one(&self.pool)
            .await
        {
            Ok(sum) => Ok(Money::from_raw(sum.unwrap_or(0))),
            Err(e) if e.to_string().contains("integer overflow") => {
                let total: f64 = sqlx::query_scalar("SELECT TOTAL(amount) FROM order_lines")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(Money::from_raw(total as i64))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn range(&self, sql: &'static str) -> Result<TableStatus> {
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
        let rows: i64 = row.try_get(0)?;
        let first: Option<i64> = row.try_get(1)?;
        let last: Option<i64> = row.try_get(2)?;
        Ok(TableStatus {
            rows: rows as u64,
            first: first.map(Timestamp::from_secs),
            last: last.map(Timestamp::from_secs),
        })
    }
}

#[async_trait]
impl crate::Store for SqliteStore {
    async fn customer_ids(&self) -> Result<Vec<CustomerId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM customers ORDER BY key")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids
            .into_iter()
            .filter_map(|s| CustomerId::parse(&s).ok())
            .collect())
    }

    async fn customer_exists(&self, id: &CustomerId) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn existing_customers(
        &self,
        ids: &[CustomerId],
    ) -> Result<std::collections::BTreeSet<CustomerId>> {
        let mut found = std::collections::BTreeSet::new();
        for chunk in ids.chunks(500) {
            let mut q =
                sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT id FROM customers WHERE id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.as_str());
            }
            q.push(")");
            for row in q.build().fetch_all(&self.pool).await? {
                let id: String = row.try_get(0)?;
                found.insert(
                    CustomerId::parse(&id).map_err(|e| crate::StoreError::Bulk(e.to_string()))?,
                );
            }
        }
        Ok(found)
    }

    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM customers WHERE id = ? AND merged_into IS NULL AND is_stub = 0",
            rows::CUSTOMER_COLUMNS
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::customer_from_row).transpose()
    }

    async fn begin_import(&self) -> Result<Box<dyn crate::ImportWriter>> {
        self.closer.wrote();
        Ok(Box::new(import::SqliteImport::begin(&self.pool).await?))
    }

    async fn status(&self) -> Result<StoreStatus> {
        let mut ranges = std::collections::BTreeMap::new();
        ranges.insert("customers".into(), self.range("SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM customers WHERE merged_into IS NULL").await?);
        ranges.insert(
            "order_lines".into(),
            self.range("SELECT COUNT(*), MIN(ts), MAX(ts) FROM order_lines")
                .await?,
        );
        ranges.insert(
            "events".into(),
            self.range("SELECT COUNT(*), MIN(ts), MAX(ts) FROM events")
                .await?,
        );
        ranges.insert(
            "tickets".into(),
            self.range("SELECT COUNT(*), MIN(opened_at), MAX(opened_at) FROM tickets")
                .await?,
        );
        ranges.insert(
            "invoices".into(),
            self.range("SELECT COUNT(*), MIN(issued_at), MAX(issued_at) FROM invoices")
                .await?,
        );
        ranges.insert(
            "outcomes".into(),
            self.range("SELECT COUNT(*), MIN(at), MAX(at) FROM outcomes")
                .await?,
        );
        ranges.insert(
            "contracts".into(),
            self.range("SELECT COUNT(*), MIN(started_at), MAX(started_at) FROM contracts")
                .await?,
        );
        let revenue = self.revenue().await?;
        let sources = sqlx::query(
            "SELECT s.name, s.entity, s.path, s.last_import, i.started_at, s.rows_new
             FROM sources s JOIN imports i ON i.id = s.last_import ORDER BY s.name",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| -> Result<SourceStatus> {
            Ok(SourceStatus {
                name: r.try_get(0)?,
                entity: r.try_get(1)?,
                path: r.try_get(2)?,
                last_import: r.try_get(3)?,
                imported_at: r.try_get(4)?,
                rows_new: r.try_get::<i64, _>(5)? as u64,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(StoreStatus {
            customers: ranges["customers"].rows,
            stub_customers: self
                .count("SELECT COUNT(*) FROM customers WHERE is_stub = 1 AND merged_into IS NULL")
                .await?,
            orders: self
                .count("SELECT COUNT(DISTINCT order_id) FROM order_lines")
                .await?,
            order_lines: ranges["order_lines"].rows,
            returns: self
                .count("SELECT COUNT(*) FROM order_lines WHERE is_return = 1")
                .await?,
            events: ranges["events"].rows,
            anonymous_events: self
                .count("SELECT COUNT(*) FROM events WHERE customer_key IS NULL")
                .await?,
            tickets: ranges["tickets"].rows,
            invoices: ranges["invoices"].rows,
            outcomes: ranges["outcomes"].rows,
            contracts: ranges["contracts"].rows,
            revenue,
            ranges,
            sources,
            imports: self.count("SELECT COUNT(*) FROM imports").await?,
            score_runs: self.count("SELECT COUNT(*) FROM score_runs").await?,
        })
    }

    async fn last_fact_time(&self) -> Result<Option<Timestamp>> {
        // Kept by imports (see migration 0007), not scanned for.
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(latest) FROM fact_times")
            .fetch_one(&self.pool)
            .await?;
        Ok(last.map(Timestamp::from_secs))
    }

    async fn load_facts(&self, as_of: Timestamp) -> Result<Facts> {
        load::load_facts_with(&self.path, as_of, &crate::FactOptions::default()).await
    }

    async fn load_facts_with(
        &self,
        as_of: Timestamp,
        options: &crate::FactOptions,
    ) -> Result<Facts> {
        load::load_facts_with(&self.path, as_of, options).await
    }

    async fn load_customer_facts(
        &self,
        id: &CustomerId,
        as_of: Timestamp,
        options: &crate::FactOptions,
    ) -> Result<Option<Facts>> {
        self.single.load(&self.path, id, as_of, options).await
    }

    async fn customers(&self) -> Result<Vec<Customer>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM customers WHERE merged_into IS NULL ORDER BY id",
            rows::CUSTOMER_COLUMNS
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::customer_from_row).collect()
    }

    async fn merge_customers(
        &self,
        keep: &CustomerId,
        dropped: &CustomerId,
    ) -> Result<MergeRecord> {
        self.closer.wrote();
        merge::merge(&self.pool, keep, dropped).await
    }

    async fn undo_merge(&self, merge_id: i64) -> Result<MergeRecord> {
        self.closer.wrote();
        merge::undo(&self.pool, merge_id).await
    }

    async fn begin_score_run(
        &self,
        header: crate::ScoreRunHeader,
    ) -> Result<Box<dyn crate::ScoreRunWriter>> {
        self.closer.wrote();
        Ok(Box::new(runs::RunWriter::begin(&self.path, header)))
    }

    async fn current_card(&self, customer: &CustomerId) -> Result<Option<crate::CurrentCard>> {
        self.single
            .current_card(&self.path, &self.dictionaries, customer)
            .await
    }

    async fn latest_run_id(&self) -> Result<Option<i64>> {
        runs::latest_id(&self.pool).await
    }

    async fn score_runs(&self) -> Result<Vec<crate::ScoreRunRecord>> {
        runs::list(&self.pool, None).await
    }

    async fn score_run(&self, id: Option<i64>) -> Result<Option<crate::ScoreRunRecord>> {
        runs::one(&self.pool, id).await
    }

    async fn cards(&self, run_id: i64) -> Result<Vec<crate::CardRecord>> {
        let mut chunks = runs::card_chunks(&self.path, run_id, None, runs::READ_CHUNK);
        let mut all = Vec::new();
        while let Some(chunk) = chunks.recv().await {
            all.extend(chunk?);
        }
        Ok(all)
    }

    async fn card_chunks(&self, run_id: i64) -> Result<crate::CardChunks> {
        Ok(runs::card_chunks(
            &self.path,
            run_id,
            None,
            runs::READ_CHUNK,
        ))
    }

    async fn card_page_chunks(
        &self,
        run_id: i64,
        after: Option<&CustomerId>,
    ) -> Result<crate::CardChunks> {
        Ok(runs::card_chunks(
            &self.path,
            run_id,
            after,
            runs::PAGE_CHUNK,
        ))
    }

    async fn run_tiers(&self, run_id: i64) -> Result<Vec<(CustomerId, String)>> {
        runs::tiers(&self.pool, run_id).await
    }

    async fn card(&self, run_id: i64, customer: &CustomerId) -> Result<Option<crate::CardRecord>> {
        runs::card(&self.pool, &self.dictionaries, run_id, customer).await
    }

    async fn card_history(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<(i64, Timestamp, crate::CardRecord)>> {
        runs::history(&self.pool, customer).await
    }

    async fn alarms(&self, open_only: bool) -> Result<Vec<crate::AlarmRecord>> {
        runs::alarms(&self.pool, open_only, None).await
    }

    async fn event_types(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT type FROM event_types ORDER BY type")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn customer_alarms(&self, customer: &CustomerId) -> Result<Vec<crate::AlarmRecord>> {
        runs::alarms(&self.pool, false, Some(customer)).await
    }

    async fn save_segment(&self, segment: &crate::SavedSegment) -> Result<crate::SavedSegment> {
        self.closer.wrote();
        segments::save(&self.pool, segment).await
    }

    async fn saved_segments(&self) -> Result<Vec<crate::SavedSegment>> {
        segments::list(&self.pool).await
    }

    async fn delete_segment(&self, name: &str) -> Result<bool> {
        self.closer.wrote();
        segments::delete(&self.pool, name).await
    }

    async fn search_customers(&self, query: &str, limit: u32) -> Result<Vec<crate::CustomerMatch>> {
        search::customers(&self.pool, query, limit).await
    }

    async fn merges(&self) -> Result<Vec<MergeRecord>> {
        merge::list(&self.pool).await
    }

    async fn begin_rule_run(
        &self,
        run: &crate::NewRuleRun,
        restart: bool,
    ) -> Result<crate::RuleRunStart> {
        self.closer.wrote();
        rules::begin(&self.pool, run, restart).await
    }

    async fn write_rule_batch(
        &self,
        run_id: i64,
        batch: &crate::RuleBatch,
    ) -> Result<crate::RuleRun> {
        self.closer.wrote();
        rules::write_batch(&self.pool, run_id, batch).await
    }

    async fn finish_rule_run(&self, run_id: i64) -> Result<crate::RuleRun> {
        self.closer.wrote();
        rules::finish(&self.pool, run_id).await
    }

    async fn rule_versions(&self) -> Result<Vec<crate::RuleVersionRecord>> {
        rules::versions(&self.pool).await
    }

    async fn latest_rule_run(&self, version: Option<&str>) -> Result<Option<crate::RuleRun>> {
        rules::latest_run(&self.pool, version).await
    }

    async fn rule_run_scores(&self, run_id: i64) -> Result<Vec<crate::StoredRuleScores>> {
        rules::run_scores(&self.pool, run_id).await
    }

    async fn rule_run_customer(
        &self,
        run_id: i64,
        customer: &CustomerId,
    ) -> Result<Option<crate::CustomerRuleResults>> {
        rules::run_customer(&self.pool, run_id, customer).await
    }

    async fn rule_outbox(&self, all: bool) -> Result<Vec<crate::OutboxRecord>> {
        rules::outbox(&self.pool, all).await
    }

    async fn rule_outbox_pending(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) FROM rule_outbox WHERE status = 'pending'")
            .await
    }

    async fn mark_outbox_delivered(&self, ids: &[i64]) -> Result<u64> {
        self.closer.wrote();
        rules::mark_delivered(&self.pool, ids).await
    }

    async fn save_model(&self, model: &crate::NewModel) -> Result<crate::ModelInfo> {
        self.closer.wrote();
        models::save(&self.pool, model).await
    }

    async fn models(&self, kind: Option<&str>) -> Result<Vec<crate::ModelInfo>> {
        models::list(&self.pool, kind).await
    }

    async fn model(&self, id: i64) -> Result<Option<crate::StoredModel>> {
        models::get(&self.pool, id).await
    }

    async fn latest_model(&self, kind: &str) -> Result<Option<crate::StoredModel>> {
        models::latest(&self.pool, kind).await
    }

    async fn create_api_key(&self, key: &crate::NewApiKey) -> Result<crate::ApiKeyRecord> {
        self.closer.wrote();
        api::create_key(&self.pool, key).await
    }

    async fn api_keys(&self) -> Result<Vec<crate::ApiKeyRecord>> {
        api::keys(&self.pool).await
    }

    async fn api_key_by_digest(&self, digest: &[u8]) -> Result<Option<crate::ApiKeyRecord>> {
        api::key_by_digest(&self.pool, digest).await
    }

    async fn revoke_api_key(&self, id: i64) -> Result<bool> {
        self.closer.wrote();
        api::revoke_key(&self.pool, id).await
    }

    async fn put_live_cards(
        &self,
        cards: &[(CustomerId, i64, String)],
        messages: &[(String, String, String)],
        done: &[CustomerId],
        now: i64,
    ) -> Result<u64> {
        self.closer.wrote();
        api::put_live_cards(&self.pool, cards, messages, done, now).await
    }

    async fn live_pending(&self) -> Result<Vec<(CustomerId, Option<Timestamp>)>> {
        api::live_pending(&self.pool).await
    }

    async fn live_customers_since(&self, at: &str) -> Result<Vec<CustomerId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT customer_id FROM live_cards WHERE at >= ?")
                .bind(at)
                .fetch_all(&self.pool)
                .await?;
        ids.iter()
            .map(|id| CustomerId::parse(id).map_err(|e| crate::StoreError::Bulk(e.to_string())))
            .collect()
    }

    async fn live_cards(
        &self,
        customer: &CustomerId,
        limit: u32,
    ) -> Result<Vec<crate::LiveCardRecord>> {
        api::live_cards(&self.pool, customer, limit).await
    }

    async fn add_webhook(&self, hook: &crate::NewWebhook) -> Result<crate::WebhookRecord> {
        self.closer.wrote();
        api::add_webhook(&self.pool, hook).await
    }

    async fn webhooks(&self) -> Result<Vec<crate::WebhookRecord>> {
        api::webhooks(&self.pool).await
    }

    async fn webhook(&self, id: i64) -> Result<Option<crate::WebhookRecord>> {
        api::webhook(&self.pool, id).await
    }

    async fn enqueue_webhook_messages(
        &self,
        messages: &[(String, String, String)],
        only: Option<i64>,
        now: i64,
    ) -> Result<u64> {
        self.closer.wrote();
        api::enqueue(&self.pool, messages, only, now).await
    }

    async fn due_deliveries(&self, now: i64, limit: u32) -> Result<Vec<crate::DueDelivery>> {
        api::due(&self.pool, now, limit).await
    }

    async fn record_delivery_attempt(
        &self,
        delivery: i64,
        status_code: Option<u16>,
        error: Option<&str>,
        ms: f64,
        outcome: &crate::AttemptOutcome,
    ) -> Result<()> {
        self.closer.wrote();
        api::record_attempt(&self.pool, delivery, status_code, error, ms, outcome).await
    }

    async fn deliveries(&self, webhook: Option<i64>) -> Result<Vec<crate::DeliveryRecord>> {
        api::deliveries(&self.pool, webhook).await
    }

    async fn redeliver(&self, delivery: i64, now: i64) -> Result<bool> {
        self.closer.wrote();
        api::redeliver(&self.pool, delivery, now).await
    }

    async fn backup(&self, target: &Path) -> Result<crate::BackupReport> {
        let (path, target) = (self.path.clone(), target.to_owned());
        tokio::task::spawn_blocking(move || durability::backup(&path, &target))
            .await
            .map_err(|e| crate::StoreError::Bulk(e.to_string()))?
    }

    async fn quick_check(&self, max_bytes: u64) -> Result<Option<Vec<String>>> {
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if size > max_bytes {
            return Ok(None);
        }
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || durability::quick_check(&path).map(Some))
            .await
            .map_err(|e| crate::StoreError::Bulk(e.to_string()))?
    }

    async fn check(&self, quick: bool) -> Result<crate::CheckReport> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || durability::check(&path, quick))
            .await
            .map_err(|e| crate::StoreError::Bulk(e.to_string()))?
    }

    async fn personal_data(&self, id: &CustomerId) -> Result<Option<crate::PersonalData>> {
        let (path, id) = (self.path.clone(), id.clone());
        blocking(move || privacy::personal_data(&path, &id)).await
    }

    async fn erase_customer(&self, id: &CustomerId, actor: &str) -> Result<crate::ErasureReport> {
        let (path, id, actor) = (self.path.clone(), id.clone(), actor.to_owned());
        self.closer.wrote();
        let report = blocking(move || privacy::erase(&path, &id, &actor)).await?;
        self.dictionaries.forget(&report.recompressed_runs);
        Ok(report)
    }

    async fn append_audit(&self, entry: &crate::NewAuditEntry) -> Result<crate::AuditEntry> {
        self.closer.wrote();
        let (path, entry) = (self.path.clone(), entry.clone());
        blocking(move || privacy::append_audit(&path, &entry)).await
    }

    async fn audit_log(&self, limit: u32, before: Option<i64>) -> Result<Vec<crate::AuditEntry>> {
        let path = self.path.clone();
        blocking(move || privacy::audit_log(&path, limit, before)).await
    }

    async fn set_override(&self, o: &crate::NewOverride) -> Result<crate::OverrideRecord> {
        self.closer.wrote();
        let (path, o) = (self.path.clone(), o.clone());
        blocking(move || privacy::set_override(&path, &o)).await
    }

    async fn overrides(
        &self,
        customer: Option<&CustomerId>,
        in_force_at: Option<Timestamp>,
    ) -> Result<Vec<crate::OverrideRecord>> {
        let (path, customer) = (self.path.clone(), customer.cloned());
        blocking(move || privacy::overrides(&path, customer.as_ref(), in_force_at)).await
    }

    async fn remove_override(&self, id: i64, by: &str) -> Result<Option<crate::OverrideRecord>> {
        self.closer.wrote();
        let (path, by) = (self.path.clone(), by.to_owned());
        blocking(move || privacy::remove_override(&path, id, &by)).await
    }

    async fn file_contest(&self, contest: &crate::NewContest) -> Result<crate::ContestRecord> {
        self.closer.wrote();
        let (path, contest) = (self.path.clone(), contest.clone());
        blocking(move || contests::file_contest(&path, &contest)).await
    }

    async fn contests(
        &self,
        customer: Option<&CustomerId>,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<crate::ContestRecord>> {
        let (path, customer) = (self.path.clone(), customer.cloned());
        blocking(move || contests::contests(&path, customer.as_ref(), open_only, limit)).await
    }

    async fn resolve_contest(
        &self,
        id: i64,
        resolution: &crate::ContestResolution,
    ) -> Result<Option<crate::ContestRecord>> {
        self.closer.wrote();
        let (path, resolution) = (self.path.clone(), resolution.clone());
        blocking(move || contests::resolve_contest(&path, id, &resolution)).await
    }

    async fn purge(&self, policy: &crate::RetentionPolicy) -> Result<crate::PurgeReport> {
        self.closer.wrote();
        let (path, policy) = (self.path.clone(), policy.clone());
        let report = blocking(move || privacy::purge(&path, &policy)).await?;
        self.dictionaries.forget(&report.erasure.recompressed_runs);
        Ok(report)
    }

    async fn secret(&self, name: &str, fresh: &[u8], rotate: bool) -> Result<Vec<u8>> {
        let (path, name, fresh) = (self.path.clone(), name.to_owned(), fresh.to_vec());
        blocking(move || contests::secret(&path, &name, &fresh, rotate)).await
    }
}

/// Runs blocking store work on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::StoreError::Bulk(e.to_string()))?
}

//! The PostgreSQL journal (tokio-postgres).

use std::sync::Arc;

use tokio::sync::{watch, Mutex};
use tokio_postgres::{Client, NoTls, Row};

use super::{
    join_tags, BoxFuture, Journal, JournalError, NewFact, OffsetStore, Snapshot, SnapshotStore, StoredFact,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS actor_facts (
    global_offset  BIGSERIAL PRIMARY KEY,
    persistence_id TEXT    NOT NULL,
    sequence       BIGINT  NOT NULL,
    name           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    tags           TEXT    NOT NULL,
    payload        BYTEA   NOT NULL,
    UNIQUE (persistence_id, sequence)
);
CREATE TABLE IF NOT EXISTS actor_streams (
    persistence_id TEXT PRIMARY KEY,
    highest        BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS actor_snapshots (
    persistence_id TEXT   NOT NULL,
    sequence       BIGINT NOT NULL,
    payload        BYTEA  NOT NULL,
    PRIMARY KEY (persistence_id, sequence)
);
CREATE TABLE IF NOT EXISTS actor_projection_offsets (
    projection     TEXT PRIMARY KEY,
    global_offset  BIGINT NOT NULL
);
";

/// The advisory lock key that serializes appends, so offsets become
/// visible in order and a projection never skips one that commits late.
const APPEND_LOCK: i64 = 0x6163_746f_725f_6a6e; // "actor_jn"

/// A journal, snapshot store and offset store in PostgreSQL tables
/// (`actor_facts`, `actor_streams`, `actor_snapshots`,
/// `actor_projection_offsets`, created if missing). Cheap to clone; clones
/// share two connections, one for appends (in transactions) and one for
/// reads (pipelined).
///
/// Appends from every process are serialized by a transaction-scoped
/// advisory lock, so the global offsets that projections follow commit in
/// order. Projections in other processes see new facts on their next poll
/// ([`Projector::poll_every`](crate::projection::Projector::poll_every)).
///
/// ```no_run
/// # async fn run() -> Result<(), actor_persistence::journal::JournalError> {
/// use actor_persistence::journal::PostgresJournal;
/// let journal = PostgresJournal::connect("postgres://postgres@127.0.0.1:5432/test").await?;
/// # let _ = journal; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct PostgresJournal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Mutex<Client>,
    reader: Client,
    appended: watch::Sender<u64>,
}

fn backend(context: &'static str) -> impl Fn(tokio_postgres::Error) -> JournalError {
    move |error| JournalError::backend(context, error)
}

async fn open(url: &str, schema: Option<&str>) -> Result<Client, JournalError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(backend("connect"))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "PostgreSQL connection closed");
        }
    });
    if let Some(schema) = schema {
        let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {quoted}; SET search_path TO {quoted}"))
            .await
            .map_err(backend("select the schema"))?;
    }
    Ok(client)
}

impl PostgresJournal {
    /// Connects to `url` (e.g. `postgres://user@host:5432/db`, without
    /// TLS) and creates the tables if missing.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the connection or the schema fails.
    pub async fn connect(url: &str) -> Result<Self, JournalError> {
        Self::connect_to(url, None).await
    }

    /// As [`connect`](Self::connect), with the tables in `schema`
    /// (created if missing): one database, several independent journals.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the connection or the schema fails.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, JournalError> {
        Self::connect_to(url, Some(schema)).await
    }

    async fn connect_to(url: &str, schema: Option<&str>) -> Result<Self, JournalError> {
        let mut writer = open(url, schema).await?;
        let reader = open(url, schema).await?;
        {
            let tx = writer.transaction().await.map_err(backend("begin the schema"))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK]).await.map_err(backend("lock"))?;
            tx.batch_execute(SCHEMA).await.map_err(backend("create the schema"))?;
            tx.commit().await.map_err(backend("commit the schema"))?;
        }
        let highest: i64 = reader
            .query_one("SELECT COALESCE(MAX(global_offset), 0) FROM actor_facts", &[])
            .await
            .map_err(backend("read the highest offset"))?
            .get(0);
        Ok(PostgresJournal {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                reader,
                appended: watch::Sender::new(highest as u64),
            }),
        })
    }

    async fn append_batch(
        &self,
        id: &str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> Result<(u64, u64), JournalError> {
        let mut writer = self.inner.writer.lock().await;
        let tx = writer.transaction().await.map_err(backend("begin an append"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
            .await
            .map_err(backend("lock appends"))?;
        let actual = tx
            .query_opt("SELECT highest FROM actor_streams WHERE persistence_id = $1", &[&id])
            .await
            .map_err(backend("read the highest sequence"))?
            .map_or(0, |row| row.get::<_, i64>(0) as u64);
        if actual != expected {
            return Err(JournalError::Conflict { persistence_id: id.to_owned(), expected, actual });
        }
        let sequences: Vec<i64> = (1..=facts.len() as i64).map(|n| expected as i64 + n).collect();
        let names: Vec<&str> = facts.iter().map(|f| f.name).collect();
        let versions: Vec<i32> = facts.iter().map(|f| f.version as i32).collect();
        let tags: Vec<String> = facts.iter().map(|f| join_tags(f.tags)).collect();
        let payloads: Vec<&[u8]> = facts.iter().map(|f| f.payload.as_slice()).collect();
        let offset: Option<i64> = tx
            .query_one(
                "WITH inserted AS (
                     INSERT INTO actor_facts (persistence_id, sequence, name, version, tags, payload)
                     SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::INTEGER[], $5::TEXT[], $6::BYTEA[])
                     RETURNING global_offset)
                 SELECT MAX(global_offset) FROM inserted",
                &[&id, &sequences, &names, &versions, &tags, &payloads],
            )
            .await
            .map_err(backend("insert facts"))?
            .get(0);
        let highest = expected + facts.len() as u64;
        tx.execute(
            "INSERT INTO actor_streams (persistence_id, highest) VALUES ($1, $2)
             ON CONFLICT (persistence_id) DO UPDATE SET highest = EXCLUDED.highest",
            &[&id, &(highest as i64)],
        )
        .await
        .map_err(backend("update the highest sequence"))?;
        tx.commit().await.map_err(backend("commit an append"))?;
        Ok((highest, offset.unwrap_or(0) as u64))
    }
}

fn stored(row: &Row) -> StoredFact {
    StoredFact {
        offset: row.get::<_, i64>(0) as u64,
        persistence_id: row.get::<_, &str>(1).into(),
        sequence: row.get::<_, i64>(2) as u64,
        name: row.get::<_, &str>(3).into(),
        version: row.get::<_, i32>(4) as u32,
        tags: row.get::<_, &str>(5).into(),
        payload: row.get::<_, &[u8]>(6).into(),
    }
}

impl Journal for PostgresJournal {
    fn append<'a>(
        &'a self,
        persistence_id: &'a str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> BoxFuture<'a, Result<u64, JournalError>> {
        Box::pin(async move {
            let any = !facts.is_empty();
            let (highest, offset) = self.append_batch(persistence_id, expected, facts).await?;
            if any {
                self.inner.appended.send_if_modified(|current| {
                    let newer = offset > *current;
                    if newer {
                        *current = offset;
                    }
                    newer
                });
            }
            Ok(highest)
        })
    }

    fn replay<'a>(
        &'a self,
        persistence_id: &'a str,
        from: u64,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredFact>, JournalError>> {
        // Sequence numbers have no gaps above `from` (pruning removes a
        // prefix), so the range bounds the rows the planner must consider
        // even when its statistics are stale after a burst of appends.
        Box::pin(async move {
            let rows = self
                .inner
                .reader
                .query(
                    "SELECT global_offset, persistence_id, sequence, name, version, tags, payload FROM actor_facts
                     WHERE persistence_id = $1 AND sequence >= $2 AND sequence < $2 + $3
                     ORDER BY sequence LIMIT $3",
                    &[&persistence_id, &(from as i64), &(max.min(i64::MAX as usize / 2) as i64)],
                )
                .await
                .map_err(backend("replay"))?;
            Ok(rows.iter().map(stored).collect())
        })
    }

    fn highest_sequence<'a>(&'a self, persistence_id: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        Box::pin(async move {
            let row = self
                .inner
                .reader
                .query_opt("SELECT highest FROM actor_streams WHERE persistence_id = $1", &[&persistence_id])
                .await
                .map_err(backend("read the highest sequence"))?;
            Ok(row.map_or(0, |row| row.get::<_, i64>(0) as u64))
        })
    }

    fn delete_up_to<'a>(
        &'a self,
        persistence_id: &'a str,
        to: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            self.inner
                .reader
                .execute(
                    "DELETE FROM actor_facts WHERE persistence_id = $1 AND sequence <= $2",
                    &[&persistence_id, &(to as i64)],
                )
                .await
                .map(drop)
                .map_err(backend("delete facts"))
        })
    }

    fn read_all(&self, after: u64, max: usize) -> BoxFuture<'_, Result<Vec<StoredFact>, JournalError>> {
        Box::pin(async move {
            let rows = self
                .inner
                .reader
                .query(
                    "SELECT global_offset, persistence_id, sequence, name, version, tags, payload FROM actor_facts
                     WHERE global_offset > $1 ORDER BY global_offset LIMIT $2",
                    &[&(after as i64), &(max as i64)],
                )
                .await
                .map_err(backend("read"))?;
            Ok(rows.iter().map(stored).collect())
        })
    }

    fn appended(&self) -> watch::Receiver<u64> {
        self.inner.appended.subscribe()
    }
}

impl SnapshotStore for PostgresJournal {
    fn save_snapshot(&self, snapshot: Snapshot) -> BoxFuture<'_, Result<(), JournalError>> {
        Box::pin(async move {
            self.inner
                .reader
                .execute(
                    "INSERT INTO actor_snapshots (persistence_id, sequence, payload) VALUES ($1, $2, $3)
                     ON CONFLICT (persistence_id, sequence) DO UPDATE SET payload = EXCLUDED.payload",
                    &[&snapshot.persistence_id, &(snapshot.sequence as i64), &snapshot.payload],
                )
                .await
                .map(drop)
                .map_err(backend("save a snapshot"))
        })
    }

    fn latest_snapshot<'a>(
        &'a self,
        persistence_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Snapshot>, JournalError>> {
        Box::pin(async move {
            let row = self
                .inner
                .reader
                .query_opt(
                    "SELECT sequence, payload FROM actor_snapshots WHERE persistence_id = $1
                     ORDER BY sequence DESC LIMIT 1",
                    &[&persistence_id],
                )
                .await
                .map_err(backend("load a snapshot"))?;
            Ok(row.map(|row| Snapshot {
                persistence_id: persistence_id.to_owned(),
                sequence: row.get::<_, i64>(0) as u64,
                payload: row.get(1),
            }))
        })
    }

    fn delete_snapshots_before<'a>(
        &'a self,
        persistence_id: &'a str,
        before: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            self.inner
                .reader
                .execute(
                    "DELETE FROM actor_snapshots WHERE persistence_id = $1 AND sequence < $2",
                    &[&persistence_id, &(before as i64)],
                )
                .await
                .map(drop)
                .map_err(backend("delete snapshots"))
        })
    }
}

impl OffsetStore for PostgresJournal {
    fn load_offset<'a>(&'a self, projection: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        Box::pin(async move {
            let row = self
                .inner
                .reader
                .query_opt(
                    "SELECT global_offset FROM actor_projection_offsets WHERE projection = $1",
                    &[&projection],
                )
                .await
                .map_err(backend("load an offset"))?;
            Ok(row.map_or(0, |row| row.get::<_, i64>(0) as u64))
        })
    }

    fn save_offset<'a>(
        &'a self,
        projection: &'a str,
        offset: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            self.inner
                .reader
                .execute(
                    "INSERT INTO actor_projection_offsets (projection, global_offset) VALUES ($1, $2)
                     ON CONFLICT (projection) DO UPDATE SET global_offset = EXCLUDED.global_offset",
                    &[&projection, &(offset as i64)],
                )
                .await
                .map(drop)
                .map_err(backend("save an offset"))
        })
    }
}

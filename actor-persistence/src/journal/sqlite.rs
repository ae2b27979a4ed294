//! The SQLite journal: a file, nothing to run.

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::watch;

use super::{
    join_tags, BoxFuture, Journal, JournalError, NewFact, OffsetStore, Snapshot, SnapshotStore, StoredFact,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS facts (
    global_offset  INTEGER PRIMARY KEY AUTOINCREMENT,
    persistence_id TEXT    NOT NULL,
    sequence       INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    tags           TEXT    NOT NULL,
    payload        BLOB    NOT NULL,
    UNIQUE (persistence_id, sequence)
);
CREATE TABLE IF NOT EXISTS streams (
    persistence_id TEXT PRIMARY KEY,
    highest        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    persistence_id TEXT    NOT NULL,
    sequence       INTEGER NOT NULL,
    payload        BLOB    NOT NULL,
    PRIMARY KEY (persistence_id, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS projection_offsets (
    projection     TEXT PRIMARY KEY,
    global_offset  INTEGER NOT NULL
) WITHOUT ROWID;
";

/// A journal, snapshot store and offset store in one SQLite file (WAL
/// mode, `synchronous = NORMAL`: a commit survives a crash of the
/// process; the last commits before a power loss may not). Cheap to
/// clone; clones share two connections, one for writes and one for reads.
/// Every call runs on tokio's blocking pool, never on the async workers.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use actor_persistence::journal::{Journal, NewFact, SqliteJournal};
///
/// let dir = std::env::temp_dir().join(format!("sqlite-journal-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let journal = SqliteJournal::open(dir.join("journal.db"))?;
/// let fact = NewFact { name: "n", version: 1, tags: &["t"], payload: b"{}".to_vec() };
/// let before = journal.highest_sequence("doc").await?;
/// assert_eq!(journal.append("doc", before, vec![fact]).await?, before + 1);
/// let facts = journal.replay("doc", before + 1, 10).await?;
/// assert!(facts[0].has_tag("t"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SqliteJournal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    appended: watch::Sender<u64>,
}

fn backend(context: &'static str) -> impl Fn(rusqlite::Error) -> JournalError {
    move |error| JournalError::backend(context, error)
}

impl SqliteJournal {
    /// Opens (or creates) the database at `path` and its tables.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the file cannot be opened or the
    /// schema created.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        let open = |what| {
            let conn = Connection::open(path).map_err(backend(what))?;
            conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend(what))?;
            conn.pragma_update(None, "journal_mode", "WAL").map_err(backend(what))?;
            conn.pragma_update(None, "synchronous", "NORMAL").map_err(backend(what))?;
            Ok::<_, JournalError>(conn)
        };
        let writer = open("open the writer")?;
        writer.execute_batch(SCHEMA).map_err(backend("create the schema"))?;
        let reader = open("open the reader")?;
        let highest: u64 = writer
            .query_row("SELECT COALESCE(MAX(global_offset), 0) FROM facts", [], |row| row.get(0))
            .map_err(backend("read the highest offset"))?;
        Ok(SqliteJournal {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                reader: Mutex::new(reader),
                appended: watch::Sender::new(highest),
            }),
        })
    }

    /// Runs `work` on the blocking pool with the writer (`true`) or the
    /// reader connection.
    fn blocking<T, F>(&self, write: bool, work: F) -> BoxFuture<'static, Result<T, JournalError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Inner) -> Result<T, JournalError> + Send + 'static,
    {
        let inner = self.inner.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let lock = if write { &inner.writer } else { &inner.reader };
                let mut conn = lock.lock();
                work(&mut conn, &inner)
            })
            .await
            .map_err(|error| JournalError::backend("a blocking SQLite call", error))?
        })
    }
}

fn stored(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredFact> {
    Ok(StoredFact {
        offset: row.get(0)?,
        persistence_id: row.get_ref(1)?.as_str()?.into(),
        sequence: row.get(2)?,
        name: row.get_ref(3)?.as_str()?.into(),
        version: row.get(4)?,
        tags: row.get_ref(5)?.as_str()?.into(),
        payload: row.get_ref(6)?.as_blob()?.into(),
    })
}

fn append(
    conn: &mut Connection,
    id: &str,
    expected: u64,
    facts: &[NewFact],
) -> Result<(u64, u64), JournalError> {
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend("begin an append"))?;
    let actual: u64 = tx
        .query_row("SELECT highest FROM streams WHERE persistence_id = ?1", [id], |row| row.get(0))
        .optional()
        .map_err(backend("read the highest sequence"))?
        .unwrap_or(0);
    if actual != expected {
        return Err(JournalError::Conflict { persistence_id: id.to_owned(), expected, actual });
    }
    let mut sequence = expected;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO facts (persistence_id, sequence, name, version, tags, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(backend("prepare the insert"))?;
        for fact in facts {
            sequence += 1;
            insert
                .execute(params![id, sequence, fact.name, fact.version, join_tags(fact.tags), fact.payload])
                .map_err(backend("insert a fact"))?;
        }
    }
    let offset = tx.last_insert_rowid() as u64;
    tx.execute(
        "INSERT INTO streams (persistence_id, highest) VALUES (?1, ?2)
         ON CONFLICT (persistence_id) DO UPDATE SET highest = excluded.highest",
        params![id, sequence],
    )
    .map_err(backend("update the highest sequence"))?;
    tx.commit().map_err(backend("commit an append"))?;
    Ok((sequence, offset))
}

impl Journal for SqliteJournal {
    fn append<'a>(
        &'a self,
        persistence_id: &'a str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> BoxFuture<'a, Result<u64, JournalError>> {
        let id = persistence_id.to_owned();
        self.blocking(true, move |conn, inner| {
            let (sequence, offset) = append(conn, &id, expected, &facts)?;
            if !facts.is_empty() {
                inner.appended.send_replace(offset);
            }
            Ok(sequence)
        })
    }

    fn replay<'a>(
        &'a self,
        persistence_id: &'a str,
        from: u64,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredFact>, JournalError>> {
        let id = persistence_id.to_owned();
        self.blocking(false, move |conn, _| {
            let mut select = conn
                .prepare_cached(
                    "SELECT global_offset, persistence_id, sequence, name, version, tags, payload FROM facts
                     WHERE persistence_id = ?1 AND sequence >= ?2 ORDER BY sequence LIMIT ?3",
                )
                .map_err(backend("prepare a replay"))?;
            let rows = select.query_map(params![id, from, max as i64], stored).map_err(backend("replay"))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend("read a fact"))
        })
    }

    fn highest_sequence<'a>(&'a self, persistence_id: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        let id = persistence_id.to_owned();
        self.blocking(false, move |conn, _| {
            conn.query_row("SELECT highest FROM streams WHERE persistence_id = ?1", [id], |row| row.get(0))
                .optional()
                .map(Option::unwrap_or_default)
                .map_err(backend("read the highest sequence"))
        })
    }

    fn delete_up_to<'a>(
        &'a self,
        persistence_id: &'a str,
        to: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        let id = persistence_id.to_owned();
        self.blocking(true, move |conn, _| {
            conn.execute("DELETE FROM facts WHERE persistence_id = ?1 AND sequence <= ?2", params![id, to])
                .map(drop)
                .map_err(backend("delete facts"))
        })
    }

    fn read_all(&self, after: u64, max: usize) -> BoxFuture<'_, Result<Vec<StoredFact>, JournalError>> {
        self.blocking(false, move |conn, _| {
            let mut select = conn
                .prepare_cached(
                    "SELECT global_offset, persistence_id, sequence, name, version, tags, payload FROM facts
                     WHERE global_offset > ?1 ORDER BY global_offset LIMIT ?2",
                )
                .map_err(backend("prepare a read"))?;
            let rows = select.query_map(params![after, max as i64], stored).map_err(backend("read"))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend("read a fact"))
        })
    }

    fn appended(&self) -> watch::Receiver<u64> {
        self.inner.appended.subscribe()
    }
}

impl SnapshotStore for SqliteJournal {
    fn save_snapshot(&self, snapshot: Snapshot) -> BoxFuture<'_, Result<(), JournalError>> {
        self.blocking(true, move |conn, _| {
            conn.execute(
                "INSERT OR REPLACE INTO snapshots (persistence_id, sequence, payload) VALUES (?1, ?2, ?3)",
                params![snapshot.persistence_id, snapshot.sequence, snapshot.payload],
            )
            .map(drop)
            .map_err(backend("save a snapshot"))
        })
    }

    fn latest_snapshot<'a>(
        &'a self,
        persistence_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Snapshot>, JournalError>> {
        let id = persistence_id.to_owned();
        self.blocking(false, move |conn, _| {
            conn.query_row(
                "SELECT sequence, payload FROM snapshots WHERE persistence_id = ?1 ORDER BY sequence DESC LIMIT 1",
                [&id],
                |row| Ok(Snapshot { persistence_id: id.clone(), sequence: row.get(0)?, payload: row.get(1)? }),
            )
            .optional()
            .map_err(backend("load a snapshot"))
        })
    }

    fn delete_snapshots_before<'a>(
        &'a self,
        persistence_id: &'a str,
        before: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        let id = persistence_id.to_owned();
        self.blocking(true, move |conn, _| {
            conn.execute(
                "DELETE FROM snapshots WHERE persistence_id = ?1 AND sequence < ?2",
                params![id, before],
            )
            .map(drop)
            .map_err(backend("delete snapshots"))
        })
    }
}

impl OffsetStore for SqliteJournal {
    fn load_offset<'a>(&'a self, projection: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        let name = projection.to_owned();
        self.blocking(false, move |conn, _| {
            conn.query_row(
                "SELECT global_offset FROM projection_offsets WHERE projection = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(backend("load an offset"))
        })
    }

    fn save_offset<'a>(
        &'a self,
        projection: &'a str,
        offset: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        let name = projection.to_owned();
        self.blocking(true, move |conn, _| {
            conn.execute(
                "INSERT INTO projection_offsets (projection, global_offset) VALUES (?1, ?2)
                 ON CONFLICT (projection) DO UPDATE SET global_offset = excluded.global_offset",
                params![name, offset],
            )
            .map(drop)
            .map_err(backend("save an offset"))
        })
    }
}

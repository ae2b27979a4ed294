//! The JetStream journal (async-nats): facts in one stream, a subject per
//! persistence id, optimistic concurrency through JetStream's expected
//! last sequence per subject; snapshots and projection offsets in a second
//! stream that keeps one message per subject.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{self, LastRawMessageErrorKind, StorageType};
use async_nats::HeaderMap;
use futures_util::StreamExt;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{
    join_tags, BoxFuture, Journal, JournalError, NewFact, OffsetStore, Snapshot, SnapshotStore, StoredFact,
};

/// Offsets are `stream sequence << OFFSET_SHIFT | index in the append`:
/// one message holds one append (all or none), and every fact still gets
/// its own increasing offset.
mod stores;
mod wire;

#[allow(clippy::wildcard_imports)]
use wire::*;

const OFFSET_SHIFT: u32 = 20;

const FIRST_SEQ: &str = "Actor-First-Seq";
const LAST_SEQ: &str = "Actor-Last-Seq";
const FACT_NAME: &str = "Actor-Fact";
const FACT_VERSION: &str = "Actor-Version";
const FACT_TAGS: &str = "Actor-Tags";
const BATCH: &str = "Actor-Batch";

/// Messages fetched per request when reading, and their bytes at most
/// (an append may be a message of up to the server's maximum payload).
const READ_BATCH: usize = 512;
const READ_BYTES: usize = 4 << 20;

/// Where the JetStream journal keeps its stream and buckets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum JetStreamStorage {
    /// On the server's disk (the default).
    #[default]
    File,
    /// In the server's memory: gone when it stops. For tests.
    Memory,
}

/// A journal, snapshot store and offset store on a NATS server with
/// JetStream. Cheap to clone; clones share the connection.
///
/// The journal `name` is a stream `name` with the subjects
/// `journal.<name>.>`: each persistence id has its subject
/// (`journal.<name>.<id>`, the id's characters other than letters,
/// digits, `-` and `_` written `=XX`), and each append is one message on
/// it, so an append is stored all or none. The message is published with
/// `Nats-Expected-Last-Subject-Sequence` set to the stream sequence of the
/// id's last append: of two writers expecting the same end, JetStream
/// stores one and refuses the other, which gets
/// [`JournalError::Conflict`]. Snapshots (the latest per id) and
/// projection offsets live in a second stream, `<name>_meta`, that keeps
/// one message per subject (`journal-meta.<name>.s.<id>`,
/// `journal-meta.<name>.o.<projection>`): a key-value store by hand, which
/// works on servers from 2.9 on.
///
/// A fact's offset (what projections follow) is its message's stream
/// sequence times 2^20 plus its index in the append: increasing, with
/// gaps. Pruning ([`Journal::delete_up_to`]) removes whole appends: an
/// append that straddles the cut, and an id's last append, stay.
///
/// An append whose encoding exceeds the server's maximum payload (1 MiB by
/// default; `max_payload` in the server's configuration, up to 64 MiB) is
/// written as several messages, each checked against the one before: if
/// the connection fails between them, the first parts stay written and
/// the append reports [`JournalError::Backend`] (a replay shows how far it
/// got). Appends within the limit are all or none.
///
/// ```no_run
/// # async fn run() -> Result<(), actor_persistence::journal::JournalError> {
/// use actor_persistence::journal::JetStreamJournal;
/// let journal = JetStreamJournal::connect("nats://127.0.0.1:4222", "bank").await?;
/// # let _ = journal; Ok(()) }
/// ```
#[derive(Clone)]
pub struct JetStreamJournal {
    inner: Arc<Inner>,
}

/// Where a chunked replay goes on: the stream sequence of the last message
/// read, and its facts not yet returned.
type Resume = (u64, Vec<StoredFact>);

struct Inner {
    name: String,
    js: jetstream::Context,
    stream: stream::Stream,
    /// Snapshots and offsets: one message per subject.
    meta: stream::Stream,
    appended: watch::Sender<u64>,
    /// Per id: (last fact sequence, stream sequence of its message), as
    /// this handle last saw them; checked by JetStream on every append.
    last: Mutex<HashMap<String, (u64, u64)>>,
    /// Where the last replay of an id stopped: (id, next fact sequence) →
    /// (stream sequence of the last message read, its facts not yet
    /// returned), so a replay in chunks starts each chunk there instead of
    /// at the id's first message, and decodes each message once.
    resume: Mutex<HashMap<(String, u64), Resume>>,
}

impl std::fmt::Debug for JetStreamJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamJournal").field("name", &self.inner.name).finish()
    }
}

fn backend<E>(context: &'static str) -> impl Fn(E) -> JournalError
where
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    move |error| JournalError::backend(context, error)
}

/// A persistence id (or projection name) as a subject token and key:
/// letters, digits, `-` and `_` as they are, every other byte `=XX`.
fn token(id: &str) -> String {
    if id.is_empty() {
        return "=".to_owned();
    }
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("={byte:02X}"));
        }
    }
    out
}

/// One fact of a several-fact append, in the message's JSON array.
#[derive(Serialize, Deserialize)]
struct BatchFact {
    name: String,
    version: u32,
    tags: String,
    /// The encoded fact (JSON, so UTF-8).
    payload: String,
}

impl JetStreamJournal {
    /// Connects to `url` and opens (or creates) the journal `name`
    /// (letters, digits, `-`, `_`) on disk.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the server cannot be reached or
    /// JetStream refuses the streams.
    pub async fn connect(url: &str, name: &str) -> Result<Self, JournalError> {
        let client = async_nats::connect(url).await.map_err(backend("connect to NATS"))?;
        Self::open(client, name, JetStreamStorage::File).await
    }

    /// Opens (or creates) the journal `name` over an existing connection
    /// (for instance actor-nats' `Nats::client()`), with `storage`.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn open(
        client: async_nats::Client,
        name: &str,
        storage: JetStreamStorage,
    ) -> Result<Self, JournalError> {
        let js = jetstream::new(client);
        let storage = match storage {
            JetStreamStorage::File => StorageType::File,
            JetStreamStorage::Memory => StorageType::Memory,
        };
        let config = stream::Config {
            name: name.to_owned(),
            subjects: vec![format!("journal.{name}.>")],
            storage,
            allow_direct: true,
            ..Default::default()
        };
        let stream = js.get_or_create_stream(config).await.map_err(backend("create the journal stream"))?;
        let meta = stream::Config {
            name: format!("{name}_meta"),
            subjects: vec![format!("journal-meta.{name}.>")],
            storage,
            max_messages_per_subject: 1,
            allow_direct: true,
            ..Default::default()
        };
        let meta = js.get_or_create_stream(meta).await.map_err(backend("create the snapshot stream"))?;
        let journal = JetStreamJournal {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                js,
                stream,
                meta,
                appended: watch::Sender::new(0),
                last: Mutex::new(HashMap::new()),
                resume: Mutex::new(HashMap::new()),
            }),
        };
        let highest = journal.highest_offset().await?;
        journal.inner.appended.send_replace(highest);
        Ok(journal)
    }

    /// Deletes both streams: every fact, snapshot and offset of this
    /// journal.
    ///
    /// # Errors
    ///
    /// [`JournalError::Backend`] if the server refuses.
    pub async fn delete(&self) -> Result<(), JournalError> {
        let js = &self.inner.js;
        js.delete_stream(&self.inner.name).await.map_err(backend("delete the journal stream"))?;
        js.delete_stream(format!("{}_meta", self.inner.name))
            .await
            .map_err(backend("delete the snapshot stream"))?;
        Ok(())
    }

    fn subject(&self, persistence_id: &str) -> String {
        format!("journal.{}.{}", self.inner.name, token(persistence_id))
    }

    /// The offset of the last fact in the stream (0 if empty).
    async fn highest_offset(&self) -> Result<u64, JournalError> {
        let mut stream = self.inner.stream.clone();
        let info = stream.info().await.map_err(backend("read the journal's state"))?;
        let last = info.state.last_sequence;
        if last == 0 || info.state.messages == 0 {
            return Ok(0);
        }
        let message = stream.get_raw_message(last).await.map_err(backend("read the last append"))?;
        let count = facts_in(&message.headers).unwrap_or(1);
        Ok((last << OFFSET_SHIFT) | (count - 1))
    }

    /// (last fact sequence, stream sequence of its message) of an id, as
    /// the server has them.
    async fn last_on_server(&self, persistence_id: &str) -> Result<(u64, u64), JournalError> {
        let subject = self.subject(persistence_id);
        match self.inner.stream.get_last_raw_message_by_subject(&subject).await {
            Ok(message) => {
                let last = header_u64(&message.headers, LAST_SEQ).ok_or_else(|| {
                    JournalError::backend("read the last append", "no Actor-Last-Seq header")
                })?;
                Ok((last, message.sequence))
            }
            Err(error) if error.kind() == LastRawMessageErrorKind::NoMessageFound => Ok((0, 0)),
            Err(error) => Err(JournalError::backend("read the last append", error)),
        }
    }

    async fn append_batch(
        &self,
        persistence_id: &str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> Result<u64, JournalError> {
        let count = facts.len() as u64;
        if count == 0 {
            return Ok(expected);
        }
        // Room for the headers beside each message's payload.
        let budget = self.inner.js.client().server_info().max_payload.saturating_sub(4_096).max(1_024);
        let mut messages = Vec::new();
        let mut first = expected;
        let mut last_len = 0;
        for part in split(facts, budget) {
            let len = part.len() as u64;
            last_len = len;
            messages.push(encode(first, part)?);
            first += len;
        }
        let subject = self.subject(persistence_id);
        let cached = self.inner.last.lock().get(persistence_id).copied();
        let mut last = match cached {
            Some(last) if last.0 == expected => last,
            _ => self.last_on_server(persistence_id).await?,
        };
        let mut parts = messages.into_iter();
        let head = parts.next().expect("at least one fact");
        let mut stored = None;
        for _ in 0..2 {
            if last.0 != expected {
                return Err(conflict(persistence_id, expected, last.0));
            }
            match self.publish(&subject, head.clone(), last.1).await {
                Ok(sequence) => {
                    stored = Some(sequence);
                    break;
                }
                // Another writer appended since this handle last looked
                // (or its view was stale): look again.
                Err(error) if error.kind() == PublishErrorKind::WrongLastSequence => {
                    last = self.last_on_server(persistence_id).await?;
                }
                Err(error) => {
                    self.inner.last.lock().remove(persistence_id);
                    return Err(JournalError::backend("append", error));
                }
            }
        }
        let Some(mut sequence) = stored else {
            return Err(conflict(persistence_id, expected, last.0));
        };
        // The rest of an append too big for one message, each part
        // checked against the one before.
        for part in parts {
            sequence = self.publish(&subject, part, sequence).await.map_err(|error| {
                self.inner.last.lock().remove(persistence_id);
                JournalError::backend("append (a part after the first; the first parts are written)", error)
            })?;
        }
        let highest = expected + count;
        self.inner.last.lock().insert(persistence_id.to_owned(), (highest, sequence));
        let offset = (sequence << OFFSET_SHIFT) | (last_len - 1);
        self.inner.appended.send_if_modified(|current| {
            let newer = offset > *current;
            *current = (*current).max(offset);
            newer
        });
        Ok(highest)
    }

    /// Publishes one message if the subject's last is at `last`; returns
    /// its stream sequence.
    async fn publish(
        &self,
        subject: &str,
        message: PublishMessage,
        last: u64,
    ) -> Result<u64, async_nats::jetstream::context::PublishError> {
        let ack = self
            .inner
            .js
            .send_publish(subject.to_owned(), message.expected_last_subject_sequence(last))
            .await?;
        Ok(ack.await?.sequence)
    }

    /// Reads messages matching `filter` from stream sequence `start`,
    /// handing each to `take` until it returns false or none are left.
    async fn read(
        &self,
        filter: String,
        start: u64,
        headers_only: bool,
        mut take: impl FnMut(&jetstream::Message) -> Result<bool, JournalError>,
    ) -> Result<(), JournalError> {
        let deliver_policy = if start > 1 {
            DeliverPolicy::ByStartSequence { start_sequence: start }
        } else {
            DeliverPolicy::All
        };
        let config = pull::Config {
            filter_subject: filter,
            deliver_policy,
            ack_policy: AckPolicy::None,
            headers_only,
            memory_storage: true,
            inactive_threshold: Duration::from_secs(30),
            ..Default::default()
        };
        let mut consumer =
            self.inner.stream.create_consumer(config).await.map_err(backend("read the journal"))?;
        let mut left = consumer.info().await.map_err(backend("read the journal"))?.num_pending;
        let name = consumer.cached_info().name.clone();
        let read_bytes = READ_BYTES.max(self.inner.js.client().server_info().max_payload * 2);
        let result = async {
            while left > 0 {
                let want = usize::try_from(left).unwrap_or(READ_BATCH).min(READ_BATCH);
                let mut batch = consumer
                    .fetch()
                    .max_messages(want)
                    .max_bytes(read_bytes)
                    .messages()
                    .await
                    .map_err(backend("read the journal"))?;
                let mut got = 0;
                while let Some(message) = batch.next().await {
                    let message = message.map_err(backend("read the journal"))?;
                    got += 1;
                    left -= 1;
                    if !take(&message)? {
                        return Ok(());
                    }
                }
                if got == 0 {
                    // Pruned meanwhile: nothing more to read.
                    return Ok(());
                }
            }
            Ok(())
        }
        .await;
        let _ = self.inner.stream.delete_consumer(&name).await;
        result
    }
}

impl Journal for JetStreamJournal {
    fn append<'a>(
        &'a self,
        persistence_id: &'a str,
        expected: u64,
        facts: Vec<NewFact>,
    ) -> BoxFuture<'a, Result<u64, JournalError>> {
        Box::pin(self.append_batch(persistence_id, expected, facts))
    }

    fn replay<'a>(
        &'a self,
        persistence_id: &'a str,
        from: u64,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredFact>, JournalError>> {
        Box::pin(async move {
            let id: Arc<str> = persistence_id.into();
            let mut facts = Vec::new();
            if max == 0 {
                return Ok(facts);
            }
            // A replay in chunks resumes after the message where the last
            // chunk stopped, with that message's facts it did not return.
            let resumed = self.inner.resume.lock().remove(&(persistence_id.to_owned(), from));
            let (start, mut pending) = match resumed {
                Some((seq, rest)) => (seq + 1, rest),
                None => (1, Vec::new()),
            };
            let mut stopped_in = start.saturating_sub(1);
            if pending.len() < max {
                facts = std::mem::take(&mut pending);
                self.read(self.subject(persistence_id), start, false, |message| {
                    let seq = stream_seq_of(message)?;
                    stopped_in = seq;
                    for fact in decode(&id, message.headers.as_ref(), &message.payload, seq)? {
                        if fact.sequence < from {
                            continue;
                        }
                        if facts.len() < max {
                            facts.push(fact);
                        } else {
                            pending.push(fact);
                        }
                    }
                    Ok(facts.len() < max)
                })
                .await?;
            } else {
                let rest = pending.split_off(max);
                facts = std::mem::replace(&mut pending, rest);
            }
            if facts.len() == max {
                let next = facts.last().map_or(from, |f| f.sequence + 1);
                let mut resume = self.inner.resume.lock();
                if resume.len() > 64 {
                    resume.clear();
                }
                resume.insert((persistence_id.to_owned(), next), (stopped_in, pending));
            }
            Ok(facts)
        })
    }

    fn highest_sequence<'a>(&'a self, persistence_id: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        Box::pin(async move { Ok(self.last_on_server(persistence_id).await?.0) })
    }

    fn delete_up_to<'a>(
        &'a self,
        persistence_id: &'a str,
        to: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            // The first append that holds a fact above `to` (or the last
            // append) stays, with everything after it.
            let subject = self.subject(persistence_id);
            let mut keep_from = 0;
            self.read(subject.clone(), 1, true, |message| {
                keep_from = stream_seq_of(message)?;
                let last = message.headers.as_ref().and_then(|h| header_u64(h, LAST_SEQ)).unwrap_or(u64::MAX);
                Ok(last <= to)
            })
            .await?;
            if keep_from > 1 {
                self.inner
                    .stream
                    .purge()
                    .filter(subject)
                    .sequence(keep_from)
                    .await
                    .map_err(backend("prune facts"))?;
            }
            Ok(())
        })
    }

    fn read_all(&self, after: u64, max: usize) -> BoxFuture<'_, Result<Vec<StoredFact>, JournalError>> {
        Box::pin(async move {
            let mut facts = Vec::new();
            if max == 0 {
                return Ok(facts);
            }
            let prefix = format!("journal.{}.", self.inner.name);
            let start = (after >> OFFSET_SHIFT).max(1);
            self.read(format!("{prefix}>"), start, false, |message| {
                let seq = stream_seq_of(message)?;
                let id = id_of(message.subject.as_str(), &prefix);
                for fact in decode(&id, message.headers.as_ref(), &message.payload, seq)? {
                    if fact.offset > after && facts.len() < max {
                        facts.push(fact);
                    }
                }
                Ok(facts.len() < max)
            })
            .await?;
            Ok(facts)
        })
    }

    fn appended(&self) -> watch::Receiver<u64> {
        self.inner.appended.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_append_is_split_only_when_it_exceeds_the_budget() {
        let facts = |n| {
            (0..n).map(|_| NewFact { name: "n", version: 1, tags: &[], payload: vec![b'1'; 100] }).collect()
        };
        assert_eq!(split(facts(5), 10_000).len(), 1);
        let parts = split(facts(100), 2_000);
        assert!(parts.len() > 1);
        assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 100);
        assert!(parts.iter().all(|p| !p.is_empty()));
        assert_eq!(split(facts(1), 10).len(), 1, "a fact larger than the budget is a part of its own");
    }

    #[test]
    fn ids_become_tokens_and_back() {
        for id in ["acct-1_x", "a.b c*>", "é", "", "=41"] {
            let subject = format!("journal.j.{}", token(id));
            assert!(!token(id).contains(['.', '*', '>', ' ']), "{id:?}");
            assert_eq!(&*id_of(&subject, "journal.j."), id);
        }
    }

    #[test]
    fn an_append_round_trips_through_its_message() {
        let id: Arc<str> = "a".into();
        for facts in [
            vec![NewFact { name: "n", version: 2, tags: &["t", "u"], payload: b"{\"x\":1}".to_vec() }],
            vec![
                NewFact { name: "n", version: 1, tags: &[], payload: b"1".to_vec() },
                NewFact { name: "m", version: 3, tags: &["t"], payload: b"\"two\"".to_vec() },
            ],
        ] {
            let message = encode(4, facts.clone()).unwrap().outbound_message("journal.j.a");
            let stored = decode(&id, message.headers.as_ref(), &message.payload, 7).unwrap();
            assert_eq!(stored.len(), facts.len());
            for (i, (fact, stored)) in facts.iter().zip(&stored).enumerate() {
                assert_eq!(stored.sequence, 5 + i as u64);
                assert_eq!(stored.offset, (7 << OFFSET_SHIFT) | i as u64);
                assert_eq!(&*stored.name, fact.name);
                assert_eq!(stored.version, fact.version);
                assert_eq!(&*stored.tags, join_tags(fact.tags));
                assert_eq!(&*stored.payload, fact.payload.as_slice());
            }
        }
    }
}

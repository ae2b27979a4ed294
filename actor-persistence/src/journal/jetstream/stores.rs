//! Snapshots and projection offsets: the second stream, one message per
//! subject.

#[allow(clippy::wildcard_imports)]
use super::*;

impl JetStreamJournal {
    /// The subject of a snapshot (`kind` "s") or offset ("o").
    fn meta_subject(&self, kind: &str, id: &str) -> String {
        format!("journal-meta.{}.{kind}.{}", self.inner.name, token(id))
    }

    /// The one message on a meta subject: (stream sequence, payload).
    async fn meta(&self, subject: &str) -> Result<Option<(u64, Vec<u8>)>, JournalError> {
        match self.inner.meta.get_last_raw_message_by_subject(subject).await {
            Ok(message) => Ok(Some((message.sequence, message.payload.to_vec()))),
            Err(error) if error.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
            Err(error) => Err(JournalError::backend("read a snapshot or offset", error)),
        }
    }

    /// Publishes the one message of a meta subject, if it still is the
    /// one at `last` (0: none).
    async fn put_meta(&self, subject: String, payload: Vec<u8>, last: u64) -> Result<bool, JournalError> {
        let publish = PublishMessage::build().payload(payload.into()).expected_last_subject_sequence(last);
        let ack = match self.inner.js.send_publish(subject, publish).await {
            Ok(ack) => ack.await,
            Err(error) => Err(error),
        };
        match ack {
            Ok(_) => Ok(true),
            Err(error) if error.kind() == PublishErrorKind::WrongLastSequence => Ok(false),
            Err(error) => Err(JournalError::backend("save a snapshot or offset", error)),
        }
    }
}

impl SnapshotStore for JetStreamJournal {
    fn save_snapshot(&self, snapshot: Snapshot) -> BoxFuture<'_, Result<(), JournalError>> {
        Box::pin(async move {
            let subject = self.meta_subject("s", &snapshot.persistence_id);
            let mut value = snapshot.sequence.to_be_bytes().to_vec();
            value.extend_from_slice(&snapshot.payload);
            // Only the latest is kept: an older one never replaces it.
            for _ in 0..3 {
                let current = self.meta(&subject).await?;
                let last = match &current {
                    Some((_, stored)) if snapshot_seq(stored) > Some(snapshot.sequence) => return Ok(()),
                    Some((seq, _)) => *seq,
                    None => 0,
                };
                if self.put_meta(subject.clone(), value.clone(), last).await? {
                    return Ok(());
                }
            }
            Err(JournalError::backend("save a snapshot", "the snapshot kept changing"))
        })
    }

    fn latest_snapshot<'a>(
        &'a self,
        persistence_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Snapshot>, JournalError>> {
        Box::pin(async move {
            let stored = self.meta(&self.meta_subject("s", persistence_id)).await?;
            Ok(stored.and_then(|(_, value)| {
                Some(Snapshot {
                    persistence_id: persistence_id.to_owned(),
                    sequence: snapshot_seq(&value)?,
                    payload: value[8..].to_vec(),
                })
            }))
        })
    }

    fn delete_snapshots_before<'a>(
        &'a self,
        persistence_id: &'a str,
        before: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            let subject = self.meta_subject("s", persistence_id);
            if let Some((_, value)) = self.meta(&subject).await? {
                if snapshot_seq(&value).is_some_and(|seq| seq < before) {
                    self.inner.meta.purge().filter(subject).await.map_err(backend("delete a snapshot"))?;
                }
            }
            Ok(())
        })
    }
}

pub(super) fn snapshot_seq(value: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(value.get(..8)?.try_into().ok()?))
}

impl OffsetStore for JetStreamJournal {
    fn load_offset<'a>(&'a self, projection: &'a str) -> BoxFuture<'a, Result<u64, JournalError>> {
        Box::pin(async move {
            let stored = self.meta(&self.meta_subject("o", projection)).await?;
            Ok(stored.and_then(|(_, v)| std::str::from_utf8(&v).ok()?.parse().ok()).unwrap_or(0))
        })
    }

    fn save_offset<'a>(
        &'a self,
        projection: &'a str,
        offset: u64,
    ) -> BoxFuture<'a, Result<(), JournalError>> {
        Box::pin(async move {
            let publish = PublishMessage::build().payload(offset.to_string().into());
            let ack = self
                .inner
                .js
                .send_publish(self.meta_subject("o", projection), publish)
                .await
                .map_err(backend("save an offset"))?;
            ack.await.map_err(backend("save an offset"))?;
            Ok(())
        })
    }
}

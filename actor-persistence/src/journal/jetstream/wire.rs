//! The journal's messages: facts to a JetStream message and back, the
//! headers that carry sequence numbers and batches, subjects and tokens.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn conflict(persistence_id: &str, expected: u64, actual: u64) -> JournalError {
    JournalError::Conflict { persistence_id: persistence_id.to_owned(), expected, actual }
}

pub(super) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.as_str().parse().ok()
}

/// How many facts a message holds, from its sequence headers.
pub(super) fn facts_in(headers: &HeaderMap) -> Option<u64> {
    let first = header_u64(headers, FIRST_SEQ)?;
    let last = header_u64(headers, LAST_SEQ)?;
    (last >= first).then(|| last - first + 1)
}

/// Splits an append into parts whose encoding stays within `budget`
/// bytes (a fact larger than that alone is a part: the server refuses it).
pub(super) fn split(facts: Vec<NewFact>, budget: usize) -> Vec<Vec<NewFact>> {
    let mut parts = vec![Vec::new()];
    let mut size = 0;
    for fact in facts {
        // JSON escaping of the payload, and the fields around it.
        let cost = fact.payload.len() * 6 / 5 + fact.name.len() + fact.tags.len() * 16 + 64;
        let current = parts.last_mut().expect("one part");
        if !current.is_empty() && size + cost > budget {
            parts.push(Vec::new());
            size = 0;
        }
        size += cost;
        parts.last_mut().expect("one part").push(fact);
    }
    parts
}

/// One append as one message: a single fact as it is (its name, version
/// and tags in headers, readable by any client); several as a JSON array.
pub(super) fn encode(expected: u64, facts: Vec<NewFact>) -> Result<PublishMessage, JournalError> {
    let count = facts.len() as u64;
    let mut message = PublishMessage::build()
        .header(FIRST_SEQ, (expected + 1).to_string())
        .header(LAST_SEQ, (expected + count).to_string());
    if let [fact] = facts.as_slice() {
        message = message
            .header(FACT_NAME, fact.name)
            .header(FACT_VERSION, fact.version.to_string())
            .header(FACT_TAGS, join_tags(fact.tags));
        return Ok(message.payload(fact.payload.clone().into()));
    }
    let batch = facts
        .into_iter()
        .map(|fact| {
            Ok(BatchFact {
                name: fact.name.to_owned(),
                version: fact.version,
                tags: join_tags(fact.tags),
                payload: String::from_utf8(fact.payload).map_err(backend("encode an append"))?,
            })
        })
        .collect::<Result<Vec<_>, JournalError>>()?;
    let payload = serde_json::to_vec(&batch).map_err(backend("encode an append"))?;
    Ok(message.header(BATCH, count.to_string()).payload(payload.into()))
}

/// The facts of one message.
pub(super) fn decode(
    persistence_id: &Arc<str>,
    headers: Option<&HeaderMap>,
    payload: &[u8],
    stream_seq: u64,
) -> Result<Vec<StoredFact>, JournalError> {
    let empty = HeaderMap::new();
    let headers = headers.unwrap_or(&empty);
    let first = header_u64(headers, FIRST_SEQ)
        .ok_or_else(|| JournalError::backend("decode an append", "no Actor-First-Seq header"))?;
    if headers.get(BATCH).is_none() {
        let text = |name| headers.get(name).map(|v| v.as_str()).unwrap_or_default();
        return Ok(vec![StoredFact {
            offset: stream_seq << OFFSET_SHIFT,
            persistence_id: persistence_id.clone(),
            sequence: first,
            name: text(FACT_NAME).into(),
            version: text(FACT_VERSION).parse().unwrap_or(1),
            tags: text(FACT_TAGS).into(),
            payload: payload.into(),
        }]);
    }
    let batch: Vec<BatchFact> = serde_json::from_slice(payload).map_err(backend("decode an append"))?;
    Ok(batch
        .into_iter()
        .enumerate()
        .map(|(i, fact)| StoredFact {
            offset: (stream_seq << OFFSET_SHIFT) | i as u64,
            persistence_id: persistence_id.clone(),
            sequence: first + i as u64,
            name: fact.name.into(),
            version: fact.version,
            tags: fact.tags.into(),
            payload: fact.payload.into_bytes().into(),
        })
        .collect())
}

/// The persistence id a subject names (the inverse of [`token`]).
pub(super) fn id_of(subject: &str, prefix: &str) -> Arc<str> {
    let token = subject.strip_prefix(prefix).unwrap_or(subject);
    if token == "=" {
        return "".into();
    }
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            if let Some(byte) = token.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned().into()
}

pub(super) fn stream_seq_of(message: &jetstream::Message) -> Result<u64, JournalError> {
    message
        .info()
        .map(|info| info.stream_sequence)
        .map_err(|e| JournalError::backend("read the journal", e.to_string()))
}

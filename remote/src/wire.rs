//! The wire format.
//!
//! libp2p's request-response protocol carries one request and one response per stream, each an
//! opaque CBOR byte string (libp2p's own CBOR codec, with its size limits). Inside, this module
//! encodes a [`Request`] (a batch of tells, or one ask) and a [`Response`] with cbor4ii's serde,
//! the format the codec itself uses. Decoding a frame here rather than in the codec means that
//! a well-framed but malformed request is answered with a [`Refusal`] instead of a reset stream.
//!
//! Each message is itself a CBOR byte string inside the frame, so that one that does not decode
//! as its type is refused alone, without failing the others of its batch.

use crate::Refusal;
use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

/// Name of the request-response protocol (bumped when the frames change incompatibly).
pub(crate) const PROTOCOL: &str = "/alys/actor-remote/1";

/// One message as it travels: to whom, what, in which lane, with which correlation id.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Letter<'a> {
    /// The name the target actor is exposed under.
    pub target: &'a str,
    /// The message's wire name.
    pub message: &'a str,
    /// Its lane: 0 (`Critical`) to 3 (`Background`).
    pub lane: u8,
    /// Correlation id, if it has one.
    pub correlation: Option<Uuid>,
    /// The message, encoded.
    #[serde(with = "serde_bytes")]
    pub payload: &'a [u8],
}

/// A request as received.
#[derive(Debug, Deserialize)]
pub(crate) enum Request<'a> {
    /// Tells, in queue order: answered with [`Response::Accepted`] once queued.
    #[serde(borrow)]
    Tells(Vec<Letter<'a>>),
    /// One ask: answered with [`Response::Reply`] once handled.
    #[serde(borrow)]
    Ask(Letter<'a>),
}

/// A request as sent: [`Request`]'s encoding, written from borrowed letters.
#[derive(Serialize)]
pub(crate) enum RequestRef<'a, L: AsLetter> {
    /// See [`Request::Tells`].
    Tells(#[serde(serialize_with = "letters")] &'a [L]),
    /// See [`Request::Ask`].
    Ask(Letter<'a>),
}

/// Something that can be written as a [`Letter`].
pub(crate) trait AsLetter {
    fn as_letter(&self) -> Letter<'_>;
}

fn letters<S: Serializer, L: AsLetter>(batch: &&[L], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(batch.iter().map(AsLetter::as_letter))
}

/// A response.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Response<'a> {
    /// The tells were queued, except those listed (by index in the batch) with the reason.
    Accepted(Vec<(u32, Refusal)>),
    /// The ask's reply, encoded.
    #[serde(borrow, with = "serde_bytes")]
    Reply(&'a [u8]),
    /// The whole request was refused.
    Refused(Refusal),
}

/// Encode `value` into a new buffer.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    encode_into(Vec::new(), value)
}

/// Encode `value` into `buf` (cleared first), reusing its allocation.
pub(crate) fn encode_into<T: Serialize>(mut buf: Vec<u8>, value: &T) -> Result<Vec<u8>, String> {
    buf.clear();
    cbor4ii::serde::to_vec(buf, value).map_err(|e| e.to_string())
}

/// Decode a `T` from `bytes`. A panic in a (user) `Deserialize` impl is caught and reported as
/// an error: bad input never takes the node down.
pub(crate) fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    match std::panic::catch_unwind(|| cbor4ii::serde::from_slice::<T>(bytes)) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the message's Deserialize implementation panicked".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Owned(String, Vec<u8>);
    impl AsLetter for Owned {
        fn as_letter(&self) -> Letter<'_> {
            Letter {
                target: &self.0,
                message: "test.M.v1",
                lane: 3,
                correlation: Some(Uuid::from_u128(7)),
                payload: &self.1,
            }
        }
    }

    #[test]
    fn a_batch_written_from_borrowed_letters_reads_back() {
        let batch = [
            Owned("chain".into(), vec![1, 2, 3]),
            Owned("x".into(), vec![]),
        ];
        let bytes = encode(&RequestRef::Tells(&batch)).unwrap();
        let Request::Tells(letters) = decode::<Request>(&bytes).unwrap() else {
            panic!("not a batch")
        };
        assert_eq!(letters.len(), 2);
        assert_eq!(letters[0].target, "chain");
        assert_eq!(letters[0].payload, &[1, 2, 3]);
        assert_eq!(letters[1].correlation, Some(Uuid::from_u128(7)));
        let ask = encode(&RequestRef::<Owned>::Ask(batch[0].as_letter())).unwrap();
        assert!(matches!(decode::<Request>(&ask), Ok(Request::Ask(l)) if l.lane == 3));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for junk in [&b""[..], b"\xff\xff\xff", b"\x9f\x9f\x9f\x9f", &[0x5b; 64]] {
            assert!(decode::<Request>(junk).is_err());
        }
        // Deep nesting stops at the decoder's depth limit.
        let deep = vec![0x81u8; 100_000];
        assert!(decode::<Request>(&deep).is_err());
    }

    #[test]
    fn responses_round_trip() {
        let bytes = encode(&Response::Accepted(vec![(3, Refusal::Full)])).unwrap();
        assert!(matches!(
            decode::<Response>(&bytes),
            Ok(Response::Accepted(r)) if r == vec![(3, Refusal::Full)]
        ));
    }
}

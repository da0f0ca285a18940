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
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Name of the request-response protocol (bumped when the frames change incompatibly).
pub(crate) const PROTOCOL: &str = "/alys/actor-remote/1";

/// Where messages go: the name the target actor is exposed under, and the message's wire
/// name. A frame lists each once; its letters refer to them by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Address<'a>(pub &'a str, pub &'a str);

/// One message: its address's index in the frame, its lane (0 `Critical` to 3 `Background`),
/// its correlation id, and the message itself, encoded. Written as a CBOR array: no field
/// names on the wire.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Letter<'a>(
    pub u32,
    pub u8,
    pub Option<Uuid>,
    #[serde(borrow, with = "serde_bytes")] pub &'a [u8],
);

/// A request.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Request<'a> {
    /// Tells in queue order, and the addresses they use: answered with
    /// [`Response::Accepted`] once queued.
    Tells(
        #[serde(borrow)] Vec<Address<'a>>,
        #[serde(borrow)] Vec<Letter<'a>>,
    ),
    /// One ask (its letter's index is unused): answered with [`Response::Reply`] once handled.
    Ask(#[serde(borrow)] Address<'a>, #[serde(borrow)] Letter<'a>),
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

    #[test]
    fn frames_read_back_borrowing_from_the_bytes() {
        let payload = [1u8, 2, 3];
        let addresses = vec![Address("chain", "test.M.v1"), Address("x", "test.N.v1")];
        let letters = vec![
            Letter(0, 3, Some(Uuid::from_u128(7)), &payload),
            Letter(1, 0, None, &[]),
        ];
        let bytes = encode(&Request::Tells(addresses.clone(), letters)).unwrap();
        let Request::Tells(read, letters) = decode::<Request>(&bytes).unwrap() else {
            panic!("not a batch")
        };
        assert_eq!(read, addresses);
        assert_eq!(letters[0].3, &[1, 2, 3]);
        assert_eq!(letters[0].2, Some(Uuid::from_u128(7)));
        assert_eq!((letters[1].0, letters[1].1), (1, 0));
        let ask = encode(&Request::Ask(addresses[0], Letter(0, 2, None, &payload))).unwrap();
        assert!(
            matches!(decode::<Request>(&ask), Ok(Request::Ask(a, l)) if a.0 == "chain" && l.1 == 2)
        );
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

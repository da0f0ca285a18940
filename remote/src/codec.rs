//! libp2p's CBOR codec, counting the requests it cannot read.
//!
//! libp2p reports a stream whose request could not be read (not CBOR, over the size limit,
//! reset) only in its own debug log; this wrapper counts each one in the node's
//! `failed_streams` before passing the error on.

use crate::metrics::NodeCounters;
use async_trait::async_trait;
use libp2p::futures::{AsyncRead, AsyncWrite};
use libp2p::request_response::{self, cbor};
use libp2p::swarm::StreamProtocol;
use serde_bytes::ByteBuf;
use std::io;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Requests and responses are opaque CBOR byte strings (see [`crate::wire`]).
#[derive(Clone)]
pub(crate) struct Codec {
    inner: cbor::codec::Codec<ByteBuf, ByteBuf>,
    counters: Arc<NodeCounters>,
}

impl Codec {
    /// libp2p's CBOR codec with `max_frame` bytes at most each way.
    pub(crate) fn new(max_frame: u64, counters: Arc<NodeCounters>) -> Self {
        let inner = cbor::codec::Codec::default()
            .set_request_size_maximum(max_frame)
            .set_response_size_maximum(max_frame);
        Codec { inner, counters }
    }
}

#[async_trait]
impl request_response::Codec for Codec {
    type Protocol = StreamProtocol;
    type Request = ByteBuf;
    type Response = ByteBuf;

    async fn read_request<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<ByteBuf>
    where
        T: AsyncRead + Unpin + Send,
    {
        let read = self.inner.read_request(protocol, io).await;
        if read.is_err() {
            self.counters.failed_streams.fetch_add(1, Relaxed);
        }
        read
    }

    async fn read_response<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<ByteBuf>
    where
        T: AsyncRead + Unpin + Send,
    {
        self.inner.read_response(protocol, io).await
    }

    async fn write_request<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        request: ByteBuf,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.inner.write_request(protocol, io, request).await
    }

    async fn write_response<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        response: ByteBuf,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.inner.write_response(protocol, io, response).await
    }
}

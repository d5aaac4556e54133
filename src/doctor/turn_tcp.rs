//! One TURN allocation over TCP (RFC 6062's client-to-server leg, `?transport=tcp`), for
//! `janus doctor`: webrtc 0.21 allocates over UDP only, but browsers behind firewalls that
//! drop UDP reach a relay this way, so the doctor checks it too. Drives the sans-IO TURN
//! client of webrtc's `rtc` core over a tokio `TcpStream`: STUN messages on a stream are
//! framed by their own length field.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc::sansio::Protocol as _;
use rtc::shared::{TransportContext, TransportMessage, TransportProtocol};
use rtc::turn::client::{Client, ClientConfig, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Allocates on `host:port` over TCP with these credentials; the relayed address, or why not.
pub(super) async fn allocate(
    host: &str,
    port: u16,
    username: &str,
    password: &str,
    limit: Duration,
) -> Result<SocketAddr, String> {
    let deadline = tokio::time::Instant::now() + limit;
    let server = tokio::time::timeout_at(deadline, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| "name lookup timed out".to_string())?
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let mut stream = tokio::time::timeout_at(deadline, tokio::net::TcpStream::connect(server))
        .await
        .map_err(|_| format!("no TCP connection to {server} within {} s", limit.as_secs()))?
        .map_err(|e| format!("TCP connection to {server} failed: {e}"))?;
    let local = stream.local_addr().map_err(|e| e.to_string())?;
    let crypto = rtc::crypto::default_provider().map_err(|e| e.to_string())?;
    let mut client = Client::new(
        ClientConfig {
            stun_serv_addr: server.to_string(),
            turn_serv_addr: server.to_string(),
            local_addr: local,
            transport_protocol: TransportProtocol::TCP,
            username: username.to_string(),
            password: password.to_string(),
            ..ClientConfig::default()
        },
        crypto,
    )
    .map_err(|e| e.to_string())?;
    client.allocate(Instant::now()).map_err(|e| e.to_string())?;
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        while let Some(out) = client.poll_write() {
            stream
                .write_all(&out.message)
                .await
                .map_err(|e| format!("sending to {server}: {e}"))?;
        }
        while let Some(event) = client.poll_event() {
            match event {
                Event::AllocateResponse(_, relayed) => return Ok(relayed),
                Event::AllocateError(_, e) => return Err(format!("allocation refused: {e}")),
                Event::TransactionTimeout(_) => return Err("no answer to the allocation".into()),
                _ => {}
            }
        }
        // One whole STUN message (20-byte header + its length), or wait for more bytes.
        if buf.len() >= 20 {
            let len = 20 + u16::from_be_bytes([buf[2], buf[3]]) as usize;
            if buf.len() >= len {
                let message = buf.split_to(len);
                let msg = TransportMessage {
                    now: Instant::now(),
                    transport: TransportContext {
                        local_addr: local,
                        peer_addr: server,
                        transport_protocol: TransportProtocol::TCP,
                        ecn: None,
                    },
                    message,
                };
                client.handle_read(msg).map_err(|e| e.to_string())?;
                continue;
            }
        }
        let wake = client
            .poll_timeout()
            .map(|at| tokio::time::Instant::from_std(at).min(deadline))
            .unwrap_or(deadline);
        tokio::select! {
            read = stream.read_buf(&mut buf) => match read {
                Ok(0) => return Err(format!("{server} closed the connection")),
                Ok(_) => {}
                Err(e) => return Err(format!("reading from {server}: {e}")),
            },
            _ = tokio::time::sleep_until(wake) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(format!("no allocation within {} s", limit.as_secs()));
                }
                client.handle_timeout(Instant::now()).map_err(|e| e.to_string())?;
            }
        }
        if buf.len() > 64 * 1024 {
            return Err("the server sent more than a STUN answer".into());
        }
    }
}

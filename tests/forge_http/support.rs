//! Shared helpers of the forge tests: starting a forge, a client per token, and a tiny raw
//! HTTP/1.1 client on a `TcpStream` (so pages and headers are seen exactly as sent).

use std::time::Duration;

use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::RepoName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const LIMIT: Duration = Duration::from_secs(10);

pub fn repo() -> RepoName {
    RepoName::parse("maintainer/demo").unwrap()
}

pub async fn forge_with(guest_dir: Option<std::path::PathBuf>) -> LocalForge {
    let cfg = LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir,
        host_login: "maintainer".into(),
        repo: repo(),
    };
    LocalForge::start(cfg).await.expect("the forge starts")
}

pub async fn forge() -> LocalForge {
    forge_with(None).await
}

pub fn client(forge: &LocalForge, token: &str) -> GitHubClient {
    GitHubClient::new(&forge.api_url(), Some(token.to_string()), repo()).unwrap()
}

/// What the raw client got back.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request with `Connection: close`; decodes chunked bodies.
pub async fn raw(
    forge: &LocalForge,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    let host = forge
        .web_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let exchange = async {
        let mut s = TcpStream::connect(&host).await.unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        req.push_str("\r\n");
        req.push_str(body.unwrap_or(""));
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        buf
    };
    let buf = tokio::time::timeout(LIMIT, exchange)
        .await
        .expect("raw request timed out");
    let text = String::from_utf8(buf).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Resp {
        status,
        headers,
        body,
    }
}

pub fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

pub fn json(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

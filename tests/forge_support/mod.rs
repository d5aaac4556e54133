//! What the forge tests (`forge_limits`, `forge_writer`) share: an embedded forge on a real
//! socket and the host's GitHub client for it.

#![allow(dead_code)]

use janus::forge::github::GitHubClient;
use janus::forge::local::{LocalForge, LocalForgeConfig};
use janus::forge::RepoName;

/// The repository every test uses.
pub fn repo() -> RepoName {
    RepoName::parse("maintainer/demo").unwrap()
}

/// An embedded forge on a free loopback port, owned by `maintainer`.
pub async fn forge() -> LocalForge {
    let cfg = LocalForgeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        guest_dir: None,
        host_login: "maintainer".into(),
        repo: repo(),
    };
    LocalForge::start(cfg).await.expect("the forge starts")
}

/// The host's client for `forge` (the owner's token).
pub fn host_client(forge: &LocalForge) -> GitHubClient {
    GitHubClient::new(&forge.api_url(), Some(forge.host_token()), repo()).unwrap()
}

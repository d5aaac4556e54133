//! Unit tests of the client that need no server: construction and token hygiene.

use super::*;

#[test]
fn constructor_needs_a_runtime_instead_of_panicking() {
    let repo = RepoName::parse("o/r").unwrap();
    assert!(GitHubClient::new("https://api.github.com", None, repo).is_err());
}

#[tokio::test]
async fn constructor_checks_the_base_and_hides_the_token() {
    let repo = RepoName::parse("o/r").unwrap();
    assert!(GitHubClient::new("ftp://x", None, repo.clone()).is_err());
    assert!(GitHubClient::new("not a url", None, repo.clone()).is_err());
    assert!(matches!(
        GitHubClient::new("https://api.github.com", Some("a\nb".into()), repo.clone()),
        Err(ForgeError::BadToken)
    ));
    let c = GitHubClient::new(
        "https://ghe.example/api/v3/",
        Some("sekrit-token".into()),
        repo,
    )
    .unwrap();
    assert_eq!(c.api_base(), "https://ghe.example/api/v3");
    assert_eq!(c.origin, "https://ghe.example");
    assert!(!format!("{c:?}").contains("sekrit"));
}

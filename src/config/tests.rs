//! Tests of the configuration: precedence of flags, environment and file, the refusals
//! and their fixes, the example config, the core's settings and the token's sources.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::app::policy::{Closing, RequestPolicy};
use crate::app::{AcceptFiles, Limits};
use crate::cli::Overrides;
use crate::forge::RepoName;

fn parse(text: &str) -> FileConfig {
    toml::from_str(text).unwrap()
}

#[test]
fn flags_override_file_and_env_overrides_file_token() {
    let file = parse("repo = \"a/b\"\ntoken = \"file-token\"\npoll_interval = 5.0\n");
    let flags = Overrides {
        repo: Some("https://github.com/c/d".into()),
        ..Default::default()
    };
    let cfg = resolve(file, None, &flags, Some("env-token".into())).unwrap();
    assert_eq!(cfg.repo.unwrap().to_string(), "c/d");
    assert_eq!(cfg.token.0.as_deref(), Some("env-token"));
    assert_eq!(cfg.poll_interval, Duration::from_secs(5));
    assert_eq!(cfg.poll_interval_waiting, Duration::from_millis(500));
    assert_eq!(cfg.api_url, "https://api.github.com");
    assert!(!format!("{:?}", cfg.token).contains("env-token"));
}

#[test]
fn refuses_bad_values_with_the_fix() {
    let bad = |text: &str| {
        resolve(parse(text), None, &Overrides::default(), None)
            .unwrap_err()
            .to_string()
    };
    assert!(bad("repo = \"nope\"").contains("owner/repo"));
    assert!(bad("api_url = \"ftp://x\"").contains("https://"));
    assert!(bad("poll_interval = 0.0").contains("0.1 to 3600"));
    assert!(bad("poll_interval_waiting = 0.01").contains("poll_interval_waiting"));
    let slow = resolve(
        parse("poll_interval = 0.2\npoll_interval_waiting = 5.0\n"),
        None,
        &Overrides::default(),
        None,
    )
    .unwrap();
    assert_eq!(
        slow.poll_interval_waiting,
        Duration::from_millis(200),
        "the waiting tick is never slower than the idle one"
    );
    assert!(bad("ice_servers = [\"turn:x\"]").contains("[turn]"));
    assert!(bad("ice_servers = [\"stuns:x:5349\"]").contains("not supported"));
    assert!(bad("accept = \"sometimes\"").contains("\"manual\""));
    assert!(bad("accept_files = \"maybe\"").contains("\"never\""));
    assert!(toml::from_str::<FileConfig>("unknown_key = 1").is_err());
}

#[test]
fn presence_and_office_hours() {
    let text = "presence = true\noffice_hours = \"  Tue/Thu 14:00–16:00 UTC \"\n";
    let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
    assert!(cfg.presence);
    assert_eq!(cfg.office_hours.as_deref(), Some("Tue/Thu 14:00–16:00 UTC"));
    let long = format!("office_hours = \"{}\"", "x".repeat(201));
    let err = resolve(parse(&long), None, &Overrides::default(), None).unwrap_err();
    assert!(err.to_string().contains("office_hours"), "{err}");
}

#[test]
fn the_example_config_parses() {
    let text = include_str!("../../config.example.toml");
    let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
    assert_eq!(cfg.offer_ttl, 600);
    assert_eq!(cfg.backlog, 600);
    assert_eq!(
        cfg.policy,
        RequestPolicy::default(),
        "the example shows the defaults"
    );
    assert_eq!(cfg.rate_reserve, 100);
    assert!(cfg.transcripts);
    assert!(!cfg.presence, "presence is off unless asked for");
    assert_eq!(cfg.office_hours, None);
    assert_eq!(
        cfg.limits,
        Limits::default(),
        "the example shows the defaults"
    );
}

#[test]
fn core_settings_carry_limits_transcripts_and_link_parts() {
    let text = "transcripts = false
offer_ttl = 120
accept_files = \"auto\"
max_file_size = 5000
[limits]
max_peers = 3
";
    let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
    let repo = RepoName::parse("o/r").unwrap();
    let s = cfg.core_settings(repo, "https://pages/".into());
    assert!(!s.transcripts);
    assert_eq!(s.files.accept, AcceptFiles::Auto);
    assert_eq!(s.files.max_size, 5000);
    assert_eq!(s.offer_ttl_secs, 120);
    assert_eq!(s.limits.max_peers, 3);
    assert_eq!(s.limits.memory_secs, 2 * 120 + 600);
    assert_eq!((s.link_api, s.link_ice), (None, None));
    let cfg = resolve(parse("ice_servers = []"), None, &Overrides::default(), None).unwrap();
    let s = cfg.core_settings(RepoName::parse("o/r").unwrap(), String::new());
    assert_eq!(s.link_ice, Some(vec![]));
    assert!(resolve(
        parse(
            "[limits]
max_peers = 0"
        ),
        None,
        &Overrides::default(),
        None
    )
    .unwrap_err()
    .to_string()
    .contains("max_peers"));
}

#[test]
fn request_policy_keys_parse_and_refuse_nonsense() {
    let text = "request_labels = [\"chat\", \"\"]\ntitle_prefix = \"[chat]\"\nclose_issue = \"on-end\"\nrate_reserve = 7\n";
    let cfg = resolve(parse(text), None, &Overrides::default(), None).unwrap();
    assert_eq!(cfg.policy.labels, vec!["chat".to_string()]);
    assert_eq!(cfg.policy.title_prefix.as_deref(), Some("[chat]"));
    assert_eq!(cfg.policy.closing, Closing::OnEnd);
    assert_eq!(cfg.rate_reserve, 7);
    let err = resolve(
        parse("close_issue = \"later\""),
        None,
        &Overrides::default(),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("\"on-connect\""), "{err}");
}

#[test]
fn token_sources_in_order_and_gh_hosts() {
    let file = || parse("token = \"file-token\"");
    let src = Some(PathBuf::from("/x/config.toml"));
    let cfg = resolve(
        file(),
        src.clone(),
        &Overrides::default(),
        Some("env".into()),
    )
    .unwrap();
    assert_eq!(cfg.token_source, TokenSource::Env);
    let cfg = resolve(
        file(),
        src.clone(),
        &Overrides::default(),
        Some("  ".into()),
    )
    .unwrap();
    assert_eq!(
        cfg.token_source,
        TokenSource::File(PathBuf::from("/x/config.toml"))
    );
    assert_eq!(cfg.token.0.as_deref(), Some("file-token"));
    let cfg = resolve(parse(""), None, &Overrides::default(), None).unwrap();
    assert_eq!((cfg.token_source, cfg.token.0), (TokenSource::None, None));
    assert_eq!(
        gh_hostname("https://api.github.com").as_deref(),
        Some("github.com")
    );
    assert_eq!(
        gh_hostname("https://ghe.corp/api/v3").as_deref(),
        Some("ghe.corp")
    );
    assert_eq!(
        gh_hostname("http://127.0.0.1:8177/api/v3").as_deref(),
        Some("127.0.0.1")
    );
}

#[cfg(unix)]
#[test]
fn a_readable_token_file_is_flagged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "token = \"x\"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let w = token_file_warning(&path).expect("a warning");
    assert!(
        w.contains("chmod 600") && w.contains("644") && !w.contains("token = "),
        "{w}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(token_file_warning(&path), None);
}

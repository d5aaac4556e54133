//! Unit tests of the store: login rules, registration, issues, comments.

use super::*;

fn store() -> Store {
    Store::new(RepoName::parse("octo/demo").unwrap(), "octo")
        .unwrap()
        .0
}

#[test]
fn logins_follow_github_rules() {
    for ok in [
        "a",
        "alice",
        "a-b",
        "A1",
        "dependabot[bot]",
        &"x".repeat(39),
    ] {
        assert!(validate_login(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "-a",
        "a-",
        "a--b",
        "a b",
        "<script>",
        "é",
        &"x".repeat(40),
        "[bot]",
    ] {
        assert!(validate_login(bad).is_err(), "{bad}");
    }
}

#[test]
fn sanitized_logins_are_valid() {
    for raw in [
        "",
        "-",
        "a b",
        "<script>",
        "é-x--y-",
        "x[bot]",
        &"ab-".repeat(30),
    ] {
        let login = sanitize_login(raw);
        assert!(validate_login(&login).is_ok(), "{raw:?} -> {login:?}");
    }
    assert_eq!(sanitize_login("alice"), "alice");
    assert_eq!(sanitize_login("dependabot[bot]"), "dependabot[bot]");
    assert_eq!(sanitize_login("a  b"), "a-b");
}

#[test]
fn registration_is_idempotent_per_login_and_protects_the_owner() {
    let s = store();
    let (a1, t1) = s.register("alice", false).unwrap();
    let (a2, t2) = s.register("ALICE", false).unwrap();
    assert_eq!(a1.id, a2.id);
    assert_ne!(t1, t2);
    assert_eq!(s.user_by_token(&t1).unwrap().id, a1.id);
    assert_eq!(s.user_by_token(&t2).unwrap().login, "alice");
    assert!(matches!(
        s.register("Octo", false),
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(s.register("octo", true).unwrap().0.role, Role::Owner);
    for _ in 0..MAX_TOKENS_PER_USER {
        s.register("alice", false).unwrap();
    }
    assert!(s.user_by_token(&t1).is_none(), "oldest token dropped");
}

#[test]
fn issues_validate_and_sort_with_id_tiebreak() {
    let s = store();
    let (alice, _) = s.register("alice", false).unwrap();
    assert!(matches!(
        s.create_issue(alice.id, " ", ""),
        Err(StoreError::Invalid { field: "title", .. })
    ));
    assert!(s.create_issue(alice.id, &"t".repeat(257), "").is_err());
    assert!(s
        .create_issue(alice.id, "t", &"b".repeat(BODY_MAX + 1))
        .is_err());
    for i in 0..5 {
        s.create_issue(alice.id, &format!("issue {i}"), "").unwrap();
    }
    let q = ListQuery {
        by_updated: true,
        descending: true,
        since: None,
    };
    let numbers: Vec<u64> = s
        .list_issues(StateFilter::All, &q)
        .iter()
        .map(|i| i.number)
        .collect();
    assert_eq!(numbers, vec![5, 4, 3, 2, 1]);
    let (bob, _) = s.register("bob", false).unwrap();
    assert!(matches!(
        s.update_issue(bob.id, 1, None, None, Some(false)),
        Err(StoreError::Forbidden(_))
    ));
    let closed = s
        .update_issue(alice.id, 1, None, None, Some(false))
        .unwrap();
    assert!(!closed.open && closed.closed_at.is_some());
    assert_eq!(s.list_issues(StateFilter::Open, &q).len(), 4);
    assert!(
        s.update_issue(s.owner_id, 1, None, None, Some(true))
            .unwrap()
            .open
    );
}

#[test]
fn comments_bump_the_issue_and_respect_authorship() {
    let s = store();
    let (alice, _) = s.register("alice", false).unwrap();
    let (bob, _) = s.register("bob", false).unwrap();
    let issue = s.create_issue(alice.id, "hi", "").unwrap();
    let c = s.create_comment(bob.id, issue.number, "hello").unwrap();
    assert_eq!(s.issue(issue.number).unwrap().comments, 1);
    assert!(s.create_comment(bob.id, 99, "x").is_err());
    assert!(s.update_comment(alice.id, c.id, "edit").is_err());
    let edited = s.update_comment(bob.id, c.id, "edit").unwrap();
    assert_eq!(edited.body, "edit");
    assert!(
        edited.updated_at > c.updated_at,
        "every edit moves updated_at"
    );
    assert!(s.issue(issue.number).unwrap().updated_at > issue.updated_at);
    let q = ListQuery {
        by_updated: false,
        descending: false,
        since: Some(i64::MAX),
    };
    assert!(s.list_comments(None, &q).unwrap().is_empty());
    assert!(s.list_comments(Some(2), &q).is_err());
}

#[test]
fn text_is_bounded_by_a_byte_budget() {
    let s = store();
    let (alice, _) = s.register("alice", false).unwrap();
    let issue = s.create_issue(alice.id, "t", "").unwrap();
    let big = "x".repeat(BODY_MAX);
    let mut refused = None;
    for i in 0..(MAX_TEXT_BYTES / BODY_MAX + 2) {
        if let Err(e) = s.create_comment(alice.id, issue.number, &big) {
            refused = Some((i, e));
            break;
        }
    }
    let (i, e) = refused.expect("the budget stops growth");
    assert!(matches!(e, StoreError::Full(_)));
    assert!(i <= MAX_TEXT_BYTES / BODY_MAX);
    // Shrinking edits are always allowed, and free room again.
    let first = s
        .list_comments(
            Some(issue.number),
            &ListQuery {
                by_updated: false,
                descending: false,
                since: None,
            },
        )
        .unwrap()[0]
        .id;
    s.update_comment(alice.id, first, "small").unwrap();
    s.create_comment(alice.id, issue.number, "fits again")
        .unwrap();
}

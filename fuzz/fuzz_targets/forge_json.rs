//! Fuzzes the JSON the GitHub client reads into the forge types: the issue, comment and
//! issue-event lists it polls, and the single issue, user and repository it asks for. A
//! forge (or anything between it and Janus) controls these bytes.
//!
//! Invariants beyond "never panics":
//! - what parses as an issue or a comment serializes (the embedded forge's direction) and
//!   parses back to the same value: the two sides of the wire cannot drift apart.
#![no_main]

use janus::fuzz_api::{Comment, Issue, IssueEvent, Repository, User};
use libfuzzer_sys::fuzz_target;

/// Serializes and parses back, comparing all fields but the free-form `pull_request` value
/// (whose floating-point numbers need not survive a round trip bit for bit; only its presence
/// matters to Janus).
fn issue_round_trips(issue: &Issue) {
    let json = serde_json::to_vec(issue).expect("an issue serializes");
    let mut back: Issue = serde_json::from_slice(&json).expect("a serialized issue parses");
    assert_eq!(back.is_pull_request(), issue.is_pull_request());
    back.pull_request.clone_from(&issue.pull_request);
    assert_eq!(&back, issue);
}

fn comment_round_trips(comment: &Comment) {
    let json = serde_json::to_vec(comment).expect("a comment serializes");
    let back: Comment = serde_json::from_slice(&json).expect("a serialized comment parses");
    assert_eq!(&back, comment);
    let _ = comment.issue_number();
}

fuzz_target!(|data: &[u8]| {
    if let Ok(issues) = serde_json::from_slice::<Vec<Issue>>(data) {
        issues.iter().for_each(issue_round_trips);
    }
    if let Ok(issue) = serde_json::from_slice::<Issue>(data) {
        issue_round_trips(&issue);
    }
    if let Ok(comments) = serde_json::from_slice::<Vec<Comment>>(data) {
        comments.iter().for_each(comment_round_trips);
    }
    if let Ok(events) = serde_json::from_slice::<Vec<IssueEvent>>(data) {
        let _ = format!("{events:?}");
    }
    if let Ok(user) = serde_json::from_slice::<User>(data) {
        let back: User = serde_json::from_slice(&serde_json::to_vec(&user).unwrap()).unwrap();
        assert_eq!(back, user);
    }
    let _ = serde_json::from_slice::<Repository>(data);
});

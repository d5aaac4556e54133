//! When Janus closes a guest's issue (`close_issue`): never, on connect, on a real chat's end.

use super::*;

#[test]
fn closing_never_leaves_issues_open() {
    let mut s = state_with(RequestPolicy::default());
    let fx = connected(&mut s);
    assert!(!fx.iter().any(|e| matches!(e, Effect::CloseIssue { .. })));
    let fx = update(
        &mut s,
        T0 + 50,
        Event::PeerClosed {
            peer_id: 1,
            reason: "bye".into(),
        },
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::CloseIssue { .. })));
}

#[test]
fn closing_on_connect_closes_when_the_channel_opens() {
    let mut s = state_with(RequestPolicy {
        closing: Closing::OnConnect,
        ..Default::default()
    });
    let fx = connected(&mut s);
    assert!(fx.contains(&Effect::CloseIssue { issue: 7 }), "{fx:?}");
    let fx = update(
        &mut s,
        T0 + 50,
        Event::PeerClosed {
            peer_id: 1,
            reason: "bye".into(),
        },
    );
    assert!(
        !fx.contains(&Effect::CloseIssue { issue: 7 }),
        "closed once"
    );
}

#[test]
fn closing_on_end_closes_after_a_real_chat_only() {
    let mut s = state_with(RequestPolicy {
        closing: Closing::OnEnd,
        ..Default::default()
    });
    let fx = connected(&mut s);
    assert!(!fx.contains(&Effect::CloseIssue { issue: 7 }));
    update(
        &mut s,
        T0 + 7,
        Event::PeerFrame {
            peer_id: 1,
            frame: Frame::Chat {
                id: "g".into(),
                text: "hi".into(),
                from: None,
                ts: 1,
                room: None,
            },
        },
    );
    let fx = update(
        &mut s,
        T0 + 50,
        Event::PeerClosed {
            peer_id: 1,
            reason: "bye".into(),
        },
    );
    assert!(fx.contains(&Effect::CloseIssue { issue: 7 }), "{fx:?}");

    // Kick ends it too.
    let mut s = state_with(RequestPolicy {
        closing: Closing::OnEnd,
        ..Default::default()
    });
    connected(&mut s);
    let fx = update(
        &mut s,
        T0 + 9,
        Event::User(crate::app::Command::Kick {
            user: "alice".into(),
        }),
    );
    assert!(fx.contains(&Effect::CloseIssue { issue: 7 }), "{fx:?}");

    // Quit with a chat open ends it as well.
    let mut s = state_with(RequestPolicy {
        closing: Closing::OnEnd,
        ..Default::default()
    });
    connected(&mut s);
    let fx = update(&mut s, T0 + 9, Event::User(crate::app::Command::Quit));
    assert!(fx.contains(&Effect::CloseIssue { issue: 7 }), "{fx:?}");

    // An offer that expired unused closes nothing.
    let mut s = state_with(RequestPolicy {
        closing: Closing::OnEnd,
        ..Default::default()
    });
    seen(&mut s, T0, issue(8, "hi", &[], T0));
    update(
        &mut s,
        T0,
        Event::OfferReady {
            peer_id: 1,
            issue: 8,
            sid: SID.into(),
            token: offer_token(),
            expires_at: T0 + 300,
        },
    );
    update(
        &mut s,
        T0,
        Event::Written {
            purpose: WritePurpose::Offer { issue: 8 },
            comment_id: Some(501),
        },
    );
    let fx = update(&mut s, T0 + 301, Event::Tick);
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::EditComment {
                comment_id: 501,
                ..
            }
        )),
        "expired link edited: {fx:?}"
    );
    let fx = update(
        &mut s,
        T0 + 302,
        Event::PeerClosed {
            peer_id: 1,
            reason: "offer expired".into(),
        },
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::CloseIssue { .. })));
}

//! The limits of issue #12, time as plain numbers: live requests per user, the re-request
//! cooldown, concurrent peers (queue), closed conversations and scrollback by bytes.

use super::*;

fn seen(s: &mut State, now: u64, i: Issue) -> Vec<Effect> {
    issue_seen(s, now, i)
}

fn offers(fx: &[Effect]) -> Vec<u64> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::CreateOffer { issue, .. } => Some(*issue),
            _ => None,
        })
        .collect()
}

fn comments(fx: &[Effect]) -> Vec<(u64, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::PostComment { issue, body, .. } => Some((*issue, body.clone())),
            _ => None,
        })
        .collect()
}

/// Creating the offer for `issue` failed: its peer is gone.
fn fail_offer(s: &mut State, now: u64, issue: u64) -> Vec<Effect> {
    let peer_id = s.requests[&issue].peer_id;
    update(
        s,
        now,
        Event::OfferFailed {
            peer_id,
            issue,
            error: "no ICE".into(),
        },
    )
}

/// Drives issue `n` by `who` from the offer to an open channel; returns the peer.
fn connect(s: &mut State, now: u64, n: u64, who: User) -> PeerId {
    let fx = seen(s, now, issue(n, who.clone(), now));
    let Some(Effect::CreateOffer { peer_id, .. }) = fx.first().cloned() else {
        panic!("no offer for #{n}: {fx:?}");
    };
    let sid = format!("{n:016x}");
    let ready = Event::OfferReady {
        peer_id,
        issue: n,
        sid: sid.clone(),
        token: offer_token(),
        expires_at: now + 600,
    };
    update(s, now, ready);
    let written = Event::Written {
        purpose: WritePurpose::Offer { issue: n },
        comment_id: Some(5000 + n),
    };
    update(s, now, written);
    let fx = comment_seen(s, now, comment(6000 + n, n, who, &answer(&sid)));
    assert!(matches!(fx[..], [Effect::ApplyAnswer { .. }]), "{fx:?}");
    update(s, now, Event::PeerOpen { peer_id });
    peer_id
}

#[test]
fn one_user_flooding_issues_gets_two_links_and_one_polite_comment() {
    let mut s = new_state();
    let mallory = user("mallory", 66);
    let mut fx = Vec::new();
    for n in 1..=10 {
        fx.extend(seen(&mut s, T0, issue(n, mallory.clone(), T0)));
    }
    assert_eq!(offers(&fx), vec![1, 2], "at most offers_per_user = 2 peers");
    let said = comments(&fx);
    assert_eq!(
        said.len(),
        1,
        "one polite comment, not one per issue: {said:?}"
    );
    assert_eq!(said[0].0, 3);
    assert!(said[0].1.contains("@mallory") && !said[0].1.contains("janus1."));
    for n in 3..=10 {
        assert_eq!(s.requests[&n].stage, RequestStage::OverLimit);
    }
    assert!(s
        .activity
        .iter()
        .any(|a| a.text.contains("#10 from mallory: no link")));
    // Another user is served at once while mallory floods.
    let fx = seen(&mut s, T0 + 1, issue(11, user("bob", 7), T0 + 1));
    assert_eq!(offers(&fx), vec![11]);
    // More flooding within the offer lifetime: still no link and no comment.
    let mut fx = Vec::new();
    for n in 12..=30 {
        fx.extend(seen(&mut s, T0 + 300, issue(n, mallory.clone(), T0 + 300)));
    }
    assert!(offers(&fx).is_empty() && comments(&fx).is_empty(), "{fx:?}");
    // Past the offer lifetime, at most one more polite comment.
    let mut fx = Vec::new();
    for n in 31..=40 {
        fx.extend(seen(&mut s, T0 + 601, issue(n, mallory.clone(), T0 + 601)));
    }
    assert_eq!(comments(&fx).len(), 1);
}

#[test]
fn a_user_gets_new_links_once_their_old_ones_are_over_and_accept_overrides() {
    let mut s = new_state();
    let mallory = user("mallory", 66);
    for n in 1..=3 {
        seen(&mut s, T0, issue(n, mallory.clone(), T0));
    }
    assert_eq!(s.requests[&3].stage, RequestStage::OverLimit);
    // The maintainer's `accept` is not limited per user.
    let fx = update(&mut s, T0 + 1, Event::User(Command::Accept { issue: 3 }));
    assert_eq!(offers(&fx), vec![3]);
    // Offer 1 fails: mallory holds 2 again (2 and 3), so #4 is over the limit; when
    // offer 2 fails too, #5 gets a link.
    fail_offer(&mut s, T0 + 2, 1);
    assert!(offers(&seen(&mut s, T0 + 3, issue(4, mallory.clone(), T0 + 3))).is_empty());
    fail_offer(&mut s, T0 + 4, 2);
    assert_eq!(
        offers(&seen(&mut s, T0 + 5, issue(5, mallory, T0 + 5))),
        vec![5]
    );
}

#[test]
fn asking_again_inside_the_cooldown_gets_no_link_and_at_most_one_comment() {
    let mut s = connected_alice();
    update(
        &mut s,
        T0 + 20,
        Event::PeerClosed {
            peer_id: 1,
            reason: "guest said bye".into(),
        },
    );
    let again = |id| {
        Event::Forge(ForgeEvent::CommentSeen(comment(
            id,
            7,
            user("alice", 42),
            "one more link please",
        )))
    };
    // The offer started at T0; the cooldown is 60 s.
    let fx = update(&mut s, T0 + 30, again(700));
    assert!(offers(&fx).is_empty(), "{fx:?}");
    let said = comments(&fx);
    assert_eq!(said.len(), 1);
    assert!(said[0].1.contains("30 seconds") && !said[0].1.contains("janus1."));
    assert!(
        last_activity(&s).text.contains("too soon"),
        "{:?}",
        last_activity(&s)
    );
    let fx = update(&mut s, T0 + 40, again(701));
    assert!(fx.is_empty(), "no second comment, no link: {fx:?}");
    assert!(last_activity(&s).text.contains("too soon"));
    // After the cooldown, asking again works.
    let fx = update(&mut s, T0 + 61, again(702));
    assert_eq!(offers(&fx), vec![7]);
}

#[test]
fn beyond_max_peers_requests_queue_and_are_served_when_a_peer_frees() {
    let mut s = new_state();
    s.settings.limits.max_peers = 2;
    let fx: Vec<Effect> = (1..=3)
        .flat_map(|n| seen(&mut s, T0, issue(n, user(&format!("u{n}"), 100 + n), T0)))
        .collect();
    assert_eq!(offers(&fx), vec![1, 2]);
    assert_eq!(s.requests[&3].stage, RequestStage::Queued);
    let said = comments(&fx);
    assert_eq!(said.len(), 1, "the queued guest is told, politely");
    assert!(said[0].1.contains("busy") && !said[0].1.contains("janus1."));
    assert!(list_text(&s, T0).contains("request #3 from u3: queued"));
    // Nothing frees: a tick serves nobody.
    assert!(offers(&update(&mut s, T0 + 1, Event::Tick)).is_empty());
    // Offer 1 fails: its slot goes to #3 at once.
    let fx = fail_offer(&mut s, T0 + 2, 1);
    assert_eq!(offers(&fx), vec![3]);
    assert_eq!(s.requests[&3].stage, RequestStage::Preparing);
}

#[test]
fn queued_requests_end_without_a_peer_at_quit_and_can_be_declined() {
    let mut s = new_state();
    s.settings.limits.max_peers = 1;
    seen(&mut s, T0, issue(1, user("a", 101), T0));
    seen(&mut s, T0, issue(2, user("b", 102), T0));
    seen(&mut s, T0, issue(3, user("c", 103), T0));
    let fx = update(&mut s, T0, Event::User(Command::Decline { issue: 2 }));
    assert!(!fx.iter().any(|e| matches!(e, Effect::ClosePeer { .. })));
    assert_eq!(comments(&fx).len(), 1);
    let fx = update(&mut s, T0, Event::User(Command::Quit));
    assert_eq!(s.requests[&3].stage, RequestStage::Ended);
    let closed: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::ClosePeer { peer_id, .. } => Some(*peer_id),
            _ => None,
        })
        .collect();
    assert_eq!(closed, vec![s.requests[&1].peer_id], "only #1 had a peer");
    assert!(offers(&fx).is_empty(), "quitting serves no queue");
}

#[test]
fn closed_conversations_beyond_the_cap_are_evicted_open_ones_never() {
    let mut s = new_state();
    s.settings.limits.closed_conversations = 1;
    let peers: Vec<PeerId> = (1..=4)
        .map(|n| connect(&mut s, T0, n, user(&format!("u{n}"), 100 + n)))
        .collect();
    for p in &peers[..3] {
        update(
            &mut s,
            T0 + 5,
            Event::PeerClosed {
                peer_id: *p,
                reason: "bye".into(),
            },
        );
    }
    update(&mut s, T0 + 6, Event::Tick);
    let kept: Vec<PeerId> = s.conversations.keys().copied().collect();
    assert_eq!(
        kept,
        vec![peers[2], peers[3]],
        "the newest closed one and the open one"
    );
    s.settings.limits.closed_conversations = 0;
    update(&mut s, T0 + 7, Event::Tick);
    assert_eq!(
        s.conversations.keys().copied().collect::<Vec<_>>(),
        vec![peers[3]]
    );
    assert_eq!(s.conversations[&peers[3]].state, PeerState::Open);
}

#[test]
fn scrollback_is_bounded_by_bytes_and_keeps_the_newest_lines() {
    let mut s = connected_alice();
    s.settings.limits.scrollback_bytes = 64 * 1024;
    for i in 0..500 {
        let frame = Frame::Chat {
            id: format!("g{i}"),
            text: format!("{i:04}{}", "x".repeat(996)),
            from: None,
            ts: 0,
            room: None,
        };
        update(&mut s, T0 + 10, Event::PeerFrame { peer_id: 1, frame });
    }
    let conv = &s.conversations[&1];
    let weight: usize = conv.lines.iter().map(Line::weight).sum();
    assert_eq!(conv.bytes, weight, "the running total is exact");
    assert!(conv.bytes <= 64 * 1024, "{} bytes", conv.bytes);
    assert!(
        conv.lines.len() > 30 && conv.lines.len() < 100,
        "{}",
        conv.lines.len()
    );
    assert!(conv.lines.back().unwrap().text.starts_with("0499"));
    // A single line larger than the limit is still kept (the newest always is).
    s.settings.limits.scrollback_bytes = 10;
    let frame = Frame::Chat {
        id: "big".into(),
        text: "y".repeat(4000),
        from: None,
        ts: 0,
        room: None,
    };
    update(&mut s, T0 + 11, Event::PeerFrame { peer_id: 1, frame });
    assert_eq!(s.conversations[&1].lines.len(), 1);
}

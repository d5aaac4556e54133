//! Quiet logs (issue #12): offline, every offer logged two ERROR lines for the default STUN
//! servers and each browser mDNS candidate one more. With the logger `main` installs
//! (`janus::logging`), three offers with an unresolvable STUN server give ONE warning that
//! says what it means for guests, and no ERROR line; webrtc's per-candidate mDNS error is
//! filtered out. (The mDNS warning itself is tested in `rtc/network.rs`: a real `.local`
//! candidate would send multicast queries off this machine.)

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use janus::app::Event;
use janus::host::Peers;
use janus::rtc::RtcConfig;
use tokio::sync::mpsc;
use tracing_subscriber::fmt::MakeWriter;

/// Everything logged, as `main` would print it to stderr.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_stun_server_is_one_warning_per_run_not_an_error_per_offer() {
    assert!(
        std::env::var_os("JANUS_LOG").is_none(),
        "this test checks the default filter"
    );
    let logs = Captured::default();
    janus::logging::init_with(logs.clone(), false).expect("the only logger of this test");

    let rtc = RtcConfig {
        ice_servers: vec!["stun:nonexistent.invalid:3478".into()],
        gather_timeout: Duration::from_millis(500),
        bind_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ..RtcConfig::default()
    };
    let (events_tx, mut events) = mpsc::channel(64);
    let peers = Peers::new(rtc, events_tx, 600);
    for offer in 1..=3 {
        peers.create_offer(offer, offer);
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an offer within 10 s")
            .unwrap();
        assert!(
            matches!(event, Event::OfferReady { .. }),
            "the offer is made without the server: {event:?}"
        );
    }
    // What webrtc's ICE agent logs for each mDNS candidate it could not resolve (target and
    // level as the `log` bridge gives them), and a control line of our own.
    tracing::error!(target: "rtc_ice::agent::agent_proto", "mDNS Query 3 timed out for 1f2e.local");
    tracing::warn!("control: a warning of janus's own");
    peers.close_all("done").await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    println!("{text}");
    assert!(
        text.contains("control: a warning"),
        "capture works:\n{text}"
    );
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "no ERROR lines: {errors:#?}");
    let about: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("nonexistent.invalid"))
        .collect();
    assert_eq!(about.len(), 1, "one line about the server: {about:#?}");
    assert!(about[0].contains("WARN"), "{}", about[0]);
    assert!(
        about[0].contains("guests behind NAT may not connect") && about[0].contains("ice_servers"),
        "says what it means and what to do: {}",
        about[0]
    );
    assert!(!text.contains("mDNS Query"), "{text}");
}

//! The guest page in headless Chromium inside the lab's guest namespace
//! (`tests/browser/nat-lab-guest.mjs`), driven step by step against a `janus run` host.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use super::actors::{ForgeInfo, Host};
use super::{Lab, INET_IP, TURN_PORT};

/// Runs the guest page (tests/browser/nat-lab-guest.mjs) in Chromium inside the guest
/// namespace against `host`: it must connect through the relay and chat both ways.
pub fn run_page(lab: &mut Lab, forge: &ForgeInfo, host: &mut Host, relay_only: bool) {
    run_page_in(lab, forge, host, relay_only, false)
}

/// [`run_page`] from the start link (flow B): the page makes the offer with the lab's STUN
/// server and no relay of its own.
pub fn run_page_flow_b(lab: &mut Lab, forge: &ForgeInfo, host: &mut Host) {
    run_page_in(lab, forge, host, false, true)
}

fn run_page_in(lab: &mut Lab, forge: &ForgeInfo, host: &mut Host, relay_only: bool, flow_b: bool) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/nat-lab-guest.mjs"
    );
    let mut node = std::process::Command::new("node")
        .arg(script)
        .env("LAB_NS", lab.ns("g"))
        .env("LAB_PAGES", &forge.pages)
        .env("LAB_API", &forge.api)
        .env("LAB_TOKEN", &forge.guest_token)
        .env("LAB_RELAY_ONLY", if relay_only { "1" } else { "0" })
        .env("LAB_FLOW", if flow_b { "b" } else { "a" })
        .env("LAB_STUN", format!("stun:{INET_IP}:{TURN_PORT}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs (npm ci installs playwright-core)");
    let out = node.stdout.take().unwrap();
    let (tx, steps) = std_mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    lab.adopt(node);
    let (host_lines, host_log) = (host.lines.clone(), host.log.clone());
    let step = |name: &str, secs: u64| loop {
        let v = steps
            .recv_timeout(Duration::from_secs(secs))
            .unwrap_or_else(|_| panic!("no step {name:?} from the page in {secs} s"));
        if v["step"] == "error" {
            panic!(
                "the page run failed: {v}; host printed {:#?}\nlog: {}",
                host_lines.lock().unwrap(),
                std::fs::read_to_string(&host_log).unwrap_or_default()
            );
        }
        assert_ne!(v["step"], "timeout", "the page run timed out");
        if v["step"] == name {
            break v;
        }
    };
    let answer = step("answer", 60);
    assert_eq!(
        answer["relayChoiceShown"], !flow_b,
        "a host's link carries a relay; a start link has none"
    );
    let open = step("open", 60);
    assert_eq!(open["path"], "relayed", "{open}");
    let line = host.wait_line("alice connected", 10);
    assert!(line.ends_with("via relay"), "{line}");
    host.wait_line("hello from chromium behind a NAT", 20);
    step("acked", 20);
    host.type_line("reply alice reply through the relay");
    step("done", 40);
}

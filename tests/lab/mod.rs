//! The NAT lab: network namespaces joined by veth pairs, built by the test and torn down
//! after it (also when it fails: [`Lab`]'s `Drop`).
//!
//! ```text
//!  host ns            router-h ns                 internet ns               router-g ns            guest ns
//!  100.64.1.2 ──veth── 100.64.1.1 | 198.18.1.2 ──veth── 198.18.1.1 (coturn,  198.18.2.1 ──veth── 198.18.2.2 | 100.64.2.1 ──veth── 100.64.2.2
//!  janus run           symmetric NAT              embedded forge)            symmetric NAT          Rust guest / Chromium
//! ```
//!
//! Each router masquerades with random source ports for every new flow (`--random-fully`:
//! endpoint-dependent mapping, so a STUN server sees a different port than a peer would)
//! and drops every unsolicited inbound packet, which is a symmetric NAT: with STUN only the
//! two sides cannot reach each other ([`Nat::PortPreserving`] keeps ports instead, so STUN
//! hole punching connects directly: the benchmark's "direct" path). Only 100.64.0.0/10 and 198.18.0.0/15 addresses are
//! used, all of them inside these namespaces. Names carry the test process id and a counter,
//! so parallel runs never meet.

#![allow(dead_code)]

pub mod actors;
#[path = "../support/host_output.rs"]
pub mod host_output;
pub mod page;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The internet side's address: coturn (STUN + TURN) and the embedded forge listen here.
pub const INET_IP: &str = "198.18.1.1";
/// The host's LAN address (behind router-h).
pub const HOST_IP: &str = "100.64.1.2";
/// The guest's LAN address (behind router-g).
pub const GUEST_IP: &str = "100.64.2.2";
/// The TURN/STUN port.
pub const TURN_PORT: u16 = 3478;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// How the routers translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nat {
    /// A random source port for every new flow, unsolicited inbound dropped: STUN cannot
    /// help, only a relay connects.
    Symmetric,
    /// Source ports kept (endpoint-independent mapping), unsolicited inbound still dropped:
    /// the common home router, which STUN hole punching crosses directly.
    PortPreserving,
}

/// The namespaces of one lab; deleted on drop, with every process started in them first.
pub struct Lab {
    /// Prefix of every name (`jl<pid><n>`).
    pub prefix: String,
    /// Namespaces created so far (deleted in reverse).
    namespaces: Vec<String>,
    /// Processes started in the lab (killed before the namespaces go).
    children: Vec<Child>,
    /// coturn's config and log.
    pub dir: tempfile::TempDir,
}

/// Runs a command; `Err` with its output when it fails.
fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Lab {
    /// The namespace of a role: `h`, `rh`, `i`, `rg`, `g`.
    pub fn ns(&self, role: &str) -> String {
        format!("{}{role}", self.prefix)
    }

    /// Builds the lab with symmetric NATs, or says why it cannot be built.
    pub fn build() -> Result<Lab, String> {
        Lab::build_with(Nat::Symmetric)
    }

    /// Builds the lab with routers of this kind.
    pub fn build_with(nat: Nat) -> Result<Lab, String> {
        for tool in ["ip", "iptables", "turnserver"] {
            if Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .map(|s| !s.success())
                .unwrap_or(true)
            {
                return Err(format!(
                    "`{tool}` is not installed (scripts/test installs coturn and iptables)"
                ));
            }
        }
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let mut lab = Lab {
            prefix: format!("jl{}{n}", std::process::id() % 100_000),
            namespaces: Vec::new(),
            children: Vec::new(),
            dir: tempfile::tempdir().map_err(|e| e.to_string())?,
        };
        for role in ["h", "rh", "i", "rg", "g", "n"] {
            let ns = lab.ns(role);
            run(&["ip", "netns", "add", &ns])?;
            lab.namespaces.push(ns.clone());
            lab.exec(role, &["ip", "link", "set", "lo", "up"])?;
        }
        // LANs and WANs.
        lab.link("h", "hl", HOST_IP, "rh", "rl", "100.64.1.1", 24)?;
        lab.link("rh", "rw", "198.18.1.2", "i", "ih", INET_IP, 24)?;
        lab.link("rg", "rw", "198.18.2.2", "i", "ig", "198.18.2.1", 24)?;
        lab.link("g", "gl", GUEST_IP, "rg", "rl", "100.64.2.1", 24)?;
        lab.exec("h", &["ip", "route", "add", "default", "via", "100.64.1.1"])?;
        lab.exec("g", &["ip", "route", "add", "default", "via", "100.64.2.1"])?;
        lab.exec("rh", &["ip", "route", "add", "default", "via", INET_IP])?;
        lab.exec(
            "rg",
            &["ip", "route", "add", "default", "via", "198.18.2.1"],
        )?;
        // The internet has a default route into a namespace that drops what it gets, as
        // the real one does for private addresses: a relay sending there gets no error
        // back (coturn closes an allocation whose relay socket fails).
        lab.link("i", "iv", "198.18.9.1", "n", "nv", "198.18.9.2", 24)?;
        lab.exec("i", &["ip", "route", "add", "default", "via", "198.18.9.2"])?;
        for role in ["rh", "rg", "i"] {
            lab.exec(
                role,
                &["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"],
            )?;
        }
        for router in ["rh", "rg"] {
            let wan = format!("{}rw", lab.prefix);
            let lan = format!("{}rl", lab.prefix);
            let ipt = |rest: &[&str]| {
                let mut args = vec!["iptables", "-w"];
                args.extend_from_slice(rest);
                lab.exec(router, &args)
            };
            let mut masquerade = vec![
                "-t",
                "nat",
                "-A",
                "POSTROUTING",
                "-o",
                &wan,
                "-j",
                "MASQUERADE",
            ];
            if nat == Nat::Symmetric {
                masquerade.push("--random-fully");
            }
            ipt(&masquerade)?;
            ipt(&["-P", "FORWARD", "DROP"])?;
            ipt(&["-A", "FORWARD", "-i", &lan, "-o", &wan, "-j", "ACCEPT"])?;
            ipt(&[
                "-A",
                "FORWARD",
                "-i",
                &wan,
                "-o",
                &lan,
                "-m",
                "conntrack",
                "--ctstate",
                "ESTABLISHED,RELATED",
                "-j",
                "ACCEPT",
            ])?;
            // Nothing unsolicited reaches the router itself either.
            ipt(&[
                "-A",
                "INPUT",
                "-i",
                &wan,
                "-m",
                "conntrack",
                "--ctstate",
                "ESTABLISHED,RELATED",
                "-j",
                "ACCEPT",
            ])?;
            ipt(&["-A", "INPUT", "-i", &wan, "-j", "DROP"])?;
        }
        Ok(lab)
    }

    /// A veth pair between two namespaces with an address on each end.
    #[allow(clippy::too_many_arguments)]
    fn link(
        &self,
        a: &str,
        a_if: &str,
        a_ip: &str,
        b: &str,
        b_if: &str,
        b_ip: &str,
        len: u8,
    ) -> Result<(), String> {
        let (a_name, b_name) = (
            format!("{}{a_if}", self.prefix),
            format!("{}{b_if}", self.prefix),
        );
        // Created in `a` under a temporary peer name, then moved to `b`.
        let tmp = format!("{}t{b}{b_if}", self.prefix);
        self.exec(
            a,
            &[
                "ip", "link", "add", &a_name, "type", "veth", "peer", "name", &tmp,
            ],
        )?;
        self.exec(a, &["ip", "link", "set", &tmp, "netns", &self.ns(b)])?;
        self.exec(b, &["ip", "link", "set", &tmp, "name", &b_name])?;
        self.exec(
            a,
            &[
                "ip",
                "addr",
                "add",
                &format!("{a_ip}/{len}"),
                "dev",
                &a_name,
            ],
        )?;
        self.exec(
            b,
            &[
                "ip",
                "addr",
                "add",
                &format!("{b_ip}/{len}"),
                "dev",
                &b_name,
            ],
        )?;
        self.exec(a, &["ip", "link", "set", &a_name, "up"])?;
        self.exec(b, &["ip", "link", "set", &b_name, "up"])?;
        Ok(())
    }

    /// Runs a command inside a role's namespace.
    pub fn exec(&self, role: &str, args: &[&str]) -> Result<(), String> {
        let ns = self.ns(role);
        let mut all = vec!["ip", "netns", "exec", &ns];
        all.extend_from_slice(args);
        run(&all)
    }

    /// A command prepared to run inside a role's namespace.
    pub fn command(&self, role: &str, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns(role), program]);
        c
    }

    /// Keeps a child process to kill at teardown.
    pub fn adopt(&mut self, child: Child) {
        self.children.push(child);
    }

    /// Starts coturn in the internet namespace with `secret` (from a config file, never on
    /// a command line), and waits until it listens.
    pub fn start_coturn(&mut self, secret: &str) -> Result<(), String> {
        let conf = self.dir.path().join("turnserver.conf");
        let log = self.dir.path().join("turn.log");
        let verbose = if std::env::var("LAB_TURN_VERBOSE").is_ok() {
            "Verbose"
        } else {
            "verbose"
        };
        std::fs::write(
            &conf,
            format!(
                "listening-ip={INET_IP}\nrelay-ip={INET_IP}\nlistening-port={TURN_PORT}\n\
                 min-port=49152\nmax-port=49999\nuse-auth-secret\nstatic-auth-secret={secret}\n\
                 realm=janus.lab\nno-tls\nno-dtls\nno-cli\nfingerprint\nuser-quota=10\n\
                 total-quota=100\nno-multicast-peers\ndenied-peer-ip=100.64.0.0-100.127.255.255\n{verbose}\nsimple-log\nlog-file={}\npidfile={}\n",
                log.display(),
                self.dir.path().join("turn.pid").display()
            ),
        )
        .map_err(|e| e.to_string())?;
        let child = self
            .command("i", "turnserver")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("turnserver: {e}"))?;
        self.adopt(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let listening = Command::new("ip")
                .args(["netns", "exec", &self.ns("i"), "ss", "-lnu"])
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout).contains(&format!("{INET_IP}:{TURN_PORT}"))
                })
                .unwrap_or(false);
            if listening {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("coturn did not start listening within 10 s".into())
    }

    /// The end of coturn's log, for failure messages.
    pub fn turn_log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("turn.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// Moves the calling thread into a role's namespace: every socket it (and threads it
    /// starts) opens afterwards lives there.
    pub fn enter(&self, role: &str) -> Result<(), String> {
        enter_ns(&self.ns(role))
    }
}

/// `setns(2)` of the calling thread into the named network namespace.
pub fn enter_ns(ns: &str) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(format!("/var/run/netns/{ns}")).map_err(|e| e.to_string())?;
    // SAFETY: a valid open fd of a network namespace; affects only the calling thread.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("setns {ns}: {}", std::io::Error::last_os_error()))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // For a person looking into a failure: LAB_TURN_LOG=path keeps coturn's log.
        if let Ok(keep) = std::env::var("LAB_TURN_LOG") {
            let _ = std::fs::copy(self.dir.path().join("turn.log"), keep);
        }
        for ns in self.namespaces.iter().rev() {
            let _ = run(&["ip", "netns", "del", ns]);
        }
    }
}

/// Builds the lab, or decides what a test does without one: under `CI=true` it is a
/// failure (panic); elsewhere (no root, tools missing) the test says so loudly and skips.
pub fn lab_or_skip(test: &str) -> Option<Lab> {
    match Lab::build() {
        Ok(lab) => Some(lab),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("the NAT lab cannot be built under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED {test}: the NAT lab cannot be built here ({why}); it needs root, ip, iptables and coturn");
            None
        }
    }
}

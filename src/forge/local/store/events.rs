//! Issue events and labels in the store: every close, re-open and label change is recorded
//! as GitHub records it (`GET /repos/{o}/{r}/issues/events`, newest first), so clients can
//! learn *when* an issue was re-opened. Bounded like everything else in the store.

use super::{Role, State, Store, StoreError, UserView};

/// Events kept; the oldest are dropped beyond this.
pub(crate) const MAX_EVENTS: usize = 50_000;
/// Labels per issue (GitHub allows 100).
pub(crate) const MAX_LABELS: usize = 100;
/// Longest label name, in characters (GitHub's limit).
pub(crate) const LABEL_MAX: usize = 50;
/// Ids of events start here (global, like GitHub's).
const FIRST_EVENT_ID: u64 = 3_000_001;

/// One recorded event.
pub(crate) struct EventRec {
    /// Global event id.
    id: u64,
    /// The issue it happened to.
    issue_number: u64,
    /// Who did it.
    actor: u64,
    /// `closed`, `reopened` or `labeled`.
    kind: &'static str,
    /// The label, for `labeled`.
    label: Option<String>,
    /// Unix seconds on the forge's clock.
    created_at: i64,
}

/// An event as the API renders it.
#[derive(Debug, Clone)]
pub(crate) struct EventView {
    /// Global event id.
    pub id: u64,
    /// The issue it happened to.
    pub issue_number: u64,
    /// Who did it.
    pub actor: UserView,
    /// `closed`, `reopened` or `labeled`.
    pub kind: &'static str,
    /// The label, for `labeled`.
    pub label: Option<String>,
    /// Unix seconds on the forge's clock.
    pub created_at: i64,
}

impl State {
    /// Records an event; the oldest are forgotten beyond [`MAX_EVENTS`].
    pub(super) fn record_event(
        &mut self,
        issue_number: u64,
        actor: u64,
        kind: &'static str,
        label: Option<String>,
        at: i64,
    ) {
        let id = self
            .events
            .last()
            .map_or(FIRST_EVENT_ID, |e| e.id.saturating_add(1));
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(EventRec {
            id,
            issue_number,
            actor,
            kind,
            label,
            created_at: at,
        });
    }
}

pub(super) fn validate_label(name: &str) -> Result<(), StoreError> {
    let bad = name.trim().is_empty()
        || name.chars().count() > LABEL_MAX
        || name.chars().any(char::is_control);
    if bad {
        return Err(StoreError::Invalid {
            resource: "Label",
            field: "name",
            code: "invalid",
            message: format!("a label name is 1-{LABEL_MAX} printable characters"),
        });
    }
    Ok(())
}

impl Store {
    /// Adds labels to an issue (owner and collaborators only, as on GitHub); names already
    /// there (case-insensitive) are skipped. Each new label bumps `updated_at` and records a
    /// `labeled` event.
    pub(crate) fn add_labels(
        &self,
        user: u64,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, StoreError> {
        for l in labels {
            validate_label(l)?;
        }
        let mut st = self.lock();
        let role = st
            .user(user, self.owner_id)
            .map(|u| u.role)
            .unwrap_or(Role::None);
        if !role.can_triage() {
            return Err(StoreError::Forbidden(
                "only the owner and collaborators may label issues".to_string(),
            ));
        }
        let idx = number.checked_sub(1).ok_or(StoreError::NotFound)? as usize;
        let old = st.issues.get(idx).ok_or(StoreError::NotFound)?.updated_at;
        let mut added = Vec::new();
        for l in labels {
            let rec = st.issues.get(idx).ok_or(StoreError::NotFound)?;
            let have = rec.labels.iter().any(|x| x.eq_ignore_ascii_case(l.trim()));
            if have || rec.labels.len() >= MAX_LABELS {
                continue;
            }
            added.push(l.trim().to_string());
            st.note_repo_label(l.trim());
            if let Some(rec) = st.issues.get_mut(idx) {
                rec.labels.push(l.trim().to_string());
            }
        }
        if !added.is_empty() {
            let now = st.bump(old);
            if let Some(rec) = st.issues.get_mut(idx) {
                rec.updated_at = now;
            }
            for l in &added {
                st.record_event(number, user, "labeled", Some(l.clone()), now);
            }
        }
        Ok(st
            .issues
            .get(idx)
            .map(|r| r.labels.clone())
            .unwrap_or_default())
    }

    /// Events of one issue (`Some(n)`, oldest first, like GitHub) or of the whole repository
    /// (newest first, like GitHub).
    pub(crate) fn list_events(&self, issue: Option<u64>) -> Result<Vec<EventView>, StoreError> {
        let st = self.lock();
        if let Some(n) = issue {
            if n == 0 || n as usize > st.issues.len() {
                return Err(StoreError::NotFound);
            }
        }
        let view = |e: &EventRec| EventView {
            id: e.id,
            issue_number: e.issue_number,
            actor: st
                .user(e.actor, self.owner_id)
                .unwrap_or_else(|| State::ghost(e.actor)),
            kind: e.kind,
            label: e.label.clone(),
            created_at: e.created_at,
        };
        let mut out: Vec<EventView> = st
            .events
            .iter()
            .filter(|e| issue.is_none_or(|n| e.issue_number == n))
            .map(view)
            .collect();
        if issue.is_none() {
            out.reverse();
        }
        Ok(out)
    }
}

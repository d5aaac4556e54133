//! The repository's labels (`GET/POST /repos/{o}/{r}/labels`), as GitHub keeps them: a name
//! (unique, case-insensitive), a colour and a description. Labels added to an issue that the
//! repository lacks are created on the way, as GitHub does. Bounded like everything else.

use super::{Role, State, Store, StoreError};

/// Most labels one repository holds.
pub(crate) const MAX_REPO_LABELS: usize = 1_000;
/// Longest label description, in characters (GitHub's limit).
const DESCRIPTION_MAX: usize = 100;

/// A repository label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepoLabel {
    /// As first written; compared case-insensitively.
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    /// Shown next to the label on GitHub.
    pub description: Option<String>,
}

impl State {
    /// Registers `name` as a repository label unless it exists (grey, no description).
    pub(super) fn note_repo_label(&mut self, name: &str) {
        let known = self
            .repo_labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name));
        if !known && self.repo_labels.len() < MAX_REPO_LABELS {
            self.repo_labels.push(RepoLabel {
                name: name.to_string(),
                color: "ededed".to_string(),
                description: None,
            });
        }
    }
}

fn invalid(field: &'static str, message: String) -> StoreError {
    StoreError::Invalid {
        resource: "Label",
        field,
        code: "invalid",
        message,
    }
}

impl Store {
    /// The label `name` (case-insensitive).
    pub(crate) fn repo_label(&self, name: &str) -> Result<RepoLabel, StoreError> {
        self.lock()
            .repo_labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    /// Every label, in creation order.
    pub(crate) fn repo_labels(&self) -> Vec<RepoLabel> {
        self.lock().repo_labels.clone()
    }

    /// Creates a label (owner and collaborators only); an existing name is GitHub's 422
    /// `already_exists`.
    pub(crate) fn create_repo_label(
        &self,
        user: u64,
        name: &str,
        color: Option<&str>,
        description: Option<&str>,
    ) -> Result<RepoLabel, StoreError> {
        super::events::validate_label(name)?;
        let color = color.unwrap_or("ededed").trim_start_matches('#');
        if color.len() != 6 || !color.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid("color", "color must be six hex digits".into()));
        }
        if description.is_some_and(|d| d.chars().count() > DESCRIPTION_MAX) {
            return Err(invalid(
                "description",
                format!("description is too long (maximum is {DESCRIPTION_MAX} characters)"),
            ));
        }
        let mut st = self.lock();
        let role = st
            .user(user, self.owner_id)
            .map(|u| u.role)
            .unwrap_or(Role::None);
        if !role.can_triage() {
            return Err(StoreError::Forbidden(
                "only the owner and collaborators may create labels".to_string(),
            ));
        }
        if st
            .repo_labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name))
        {
            return Err(StoreError::Invalid {
                resource: "Label",
                field: "name",
                code: "already_exists",
                message: format!("a label named {name} already exists"),
            });
        }
        if st.repo_labels.len() >= MAX_REPO_LABELS {
            return Err(StoreError::Full(format!(
                "the local forge holds at most {MAX_REPO_LABELS} labels"
            )));
        }
        let label = RepoLabel {
            name: name.trim().to_string(),
            color: color.to_ascii_lowercase(),
            description: description.map(str::to_string),
        };
        st.repo_labels.push(label.clone());
        Ok(label)
    }
}

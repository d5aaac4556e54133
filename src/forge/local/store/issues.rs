//! Issues and comments in the store: create, edit, list. Validation follows GitHub's
//! limits (title 1–256 characters, body up to 65 536) and answers in its words; every edit
//! moves `updated_at` forward (see `State::bump`), and a new comment bumps its issue too.

use super::{
    CommentRec, CommentView, IssueRec, IssueView, ListQuery, Role, State, StateFilter, Store,
    StoreError, BODY_MAX, FIRST_COMMENT_ID, MAX_COMMENTS, MAX_ISSUES, MAX_TEXT_BYTES, TITLE_MAX,
};

/// Accounts for text replacing `old` bytes with `new` bytes, refusing growth past the budget.
fn charge(st: &mut State, new: usize, old: usize) -> Result<(), StoreError> {
    let total = st.text_bytes.saturating_sub(old).saturating_add(new);
    if total > MAX_TEXT_BYTES && new > old {
        return Err(StoreError::Full(format!(
            "the local forge holds at most {} MiB of issue and comment text; restart it to start afresh",
            MAX_TEXT_BYTES / (1024 * 1024)
        )));
    }
    st.text_bytes = total;
    Ok(())
}

fn validate_title(title: &str, resource: &'static str) -> Result<(), StoreError> {
    if title.trim().is_empty() {
        return Err(StoreError::Invalid {
            resource,
            field: "title",
            code: "missing_field",
            message: "title can't be blank".to_string(),
        });
    }
    if title.chars().count() > TITLE_MAX {
        return Err(StoreError::Invalid {
            resource,
            field: "title",
            code: "custom",
            message: format!("title is too long (maximum is {TITLE_MAX} characters)"),
        });
    }
    Ok(())
}

fn validate_body(body: &str, resource: &'static str) -> Result<(), StoreError> {
    if body.chars().count() > BODY_MAX {
        return Err(StoreError::Invalid {
            resource,
            field: "body",
            code: "custom",
            message: format!("body is too long (maximum is {BODY_MAX} characters)"),
        });
    }
    Ok(())
}

/// Sorts `(id, created, updated)` keys per `q` and keeps those at or after `since`.
fn sort_keys(mut keys: Vec<(u64, i64, i64)>, q: &ListQuery) -> Vec<u64> {
    if let Some(since) = q.since {
        keys.retain(|k| k.2 >= since);
    }
    keys.sort_by_key(|&(id, created, updated)| (if q.by_updated { updated } else { created }, id));
    if q.descending {
        keys.reverse();
    }
    keys.into_iter().map(|k| k.0).collect()
}

impl Store {
    pub(crate) fn issue_count(&self) -> (usize, usize) {
        let st = self.lock();
        let open = st.issues.iter().filter(|i| i.open).count();
        (open, st.issues.len() - open)
    }

    pub(crate) fn create_issue(
        &self,
        user: u64,
        title: &str,
        body: &str,
    ) -> Result<IssueView, StoreError> {
        validate_title(title, "Issue")?;
        validate_body(body, "Issue")?;
        let mut st = self.lock();
        if st.issues.len() >= MAX_ISSUES {
            return Err(StoreError::Full(format!(
                "the local forge holds at most {MAX_ISSUES} issues; restart it to start afresh"
            )));
        }
        charge(&mut st, title.len() + body.len(), 0)?;
        let now = st.tick();
        st.issues.push(IssueRec {
            title: title.to_string(),
            body: body.to_string(),
            user,
            open: true,
            comments: 0,
            created_at: now,
            updated_at: now,
            closed_at: None,
            labels: Vec::new(),
            state_reason: None,
        });
        let number = st.issues.len() as u64;
        st.issue_view(number, self.owner_id)
            .ok_or(StoreError::NotFound)
    }

    pub(crate) fn issue(&self, number: u64) -> Result<IssueView, StoreError> {
        self.lock()
            .issue_view(number, self.owner_id)
            .ok_or(StoreError::NotFound)
    }

    /// Edits an issue. Only its author, the owner and collaborators may; any change bumps
    /// `updated_at` (so a re-opened issue shows up in `since` polls again, as on GitHub).
    pub(crate) fn update_issue(
        &self,
        user: u64,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        open: Option<bool>,
    ) -> Result<IssueView, StoreError> {
        if let Some(t) = title {
            validate_title(t, "Issue")?;
        }
        if let Some(b) = body {
            validate_body(b, "Issue")?;
        }
        let mut st = self.lock();
        let role = st
            .user(user, self.owner_id)
            .map(|u| u.role)
            .unwrap_or(Role::None);
        let idx = number.checked_sub(1).ok_or(StoreError::NotFound)? as usize;
        let rec = st.issues.get(idx).ok_or(StoreError::NotFound)?;
        if rec.user != user && !role.can_triage() {
            return Err(StoreError::Forbidden(
                "only the issue's author, the owner and collaborators may edit this issue"
                    .to_string(),
            ));
        }
        let old = rec.updated_at;
        let (old_len, new_len) = (
            rec.title.len() + rec.body.len(),
            title.map_or(rec.title.len(), str::len) + body.map_or(rec.body.len(), str::len),
        );
        charge(&mut st, new_len, old_len)?;
        let now = st.bump(old);
        let rec = st.issues.get_mut(idx).ok_or(StoreError::NotFound)?;
        if let Some(t) = title {
            rec.title = t.to_string();
        }
        if let Some(b) = body {
            rec.body = b.to_string();
        }
        let mut changed_state = false;
        if let Some(open) = open {
            if open != rec.open {
                rec.open = open;
                rec.closed_at = if open { None } else { Some(now) };
                rec.state_reason = Some(if open { "reopened" } else { "completed" });
                changed_state = true;
            }
        }
        rec.updated_at = now;
        if changed_state {
            let kind = if open == Some(true) {
                "reopened"
            } else {
                "closed"
            };
            st.record_event(number, user, kind, None, now);
        }
        st.issue_view(number, self.owner_id)
            .ok_or(StoreError::NotFound)
    }

    /// Issues matching `state` and `q`, sorted (ties broken by id).
    pub(crate) fn list_issues(&self, state: StateFilter, q: &ListQuery) -> Vec<IssueView> {
        let st = self.lock();
        let keys = st
            .issues
            .iter()
            .enumerate()
            .filter(|(_, i)| match state {
                StateFilter::Open => i.open,
                StateFilter::Closed => !i.open,
                StateFilter::All => true,
            })
            .map(|(n, i)| (n as u64 + 1, i.created_at, i.updated_at))
            .collect();
        sort_keys(keys, q)
            .into_iter()
            .filter_map(|n| st.issue_view(n, self.owner_id))
            .collect()
    }

    /// Adds a comment and bumps the issue's `updated_at`, as GitHub does.
    pub(crate) fn create_comment(
        &self,
        user: u64,
        number: u64,
        body: &str,
    ) -> Result<CommentView, StoreError> {
        let mut st = self.lock();
        let idx = number.checked_sub(1).ok_or(StoreError::NotFound)? as usize;
        if idx >= st.issues.len() {
            return Err(StoreError::NotFound);
        }
        if body.trim().is_empty() {
            return Err(StoreError::Invalid {
                resource: "IssueComment",
                field: "body",
                code: "missing_field",
                message: "body can't be blank".to_string(),
            });
        }
        validate_body(body, "IssueComment")?;
        if st.comments.len() >= MAX_COMMENTS {
            return Err(StoreError::Full(format!(
                "the local forge holds at most {MAX_COMMENTS} comments; restart it to start afresh"
            )));
        }
        charge(&mut st, body.len(), 0)?;
        let now = st.tick();
        st.comments.push(CommentRec {
            issue_number: number,
            body: body.to_string(),
            user,
            created_at: now,
            updated_at: now,
        });
        let id = FIRST_COMMENT_ID + st.comments.len() as u64 - 1;
        let bumped = st
            .issues
            .get(idx)
            .map(|i| i.updated_at)
            .map(|old| st.bump(old));
        if let (Some(issue), Some(t)) = (st.issues.get_mut(idx), bumped) {
            issue.comments += 1;
            issue.updated_at = t;
        }
        st.comment_view(id, self.owner_id)
            .ok_or(StoreError::NotFound)
    }

    pub(crate) fn comment(&self, id: u64) -> Result<CommentView, StoreError> {
        self.lock()
            .comment_view(id, self.owner_id)
            .ok_or(StoreError::NotFound)
    }

    /// Edits a comment: only its author, the owner and collaborators may.
    pub(crate) fn update_comment(
        &self,
        user: u64,
        id: u64,
        body: &str,
    ) -> Result<CommentView, StoreError> {
        if body.trim().is_empty() {
            return Err(StoreError::Invalid {
                resource: "IssueComment",
                field: "body",
                code: "missing_field",
                message: "body can't be blank".to_string(),
            });
        }
        validate_body(body, "IssueComment")?;
        let mut st = self.lock();
        let role = st
            .user(user, self.owner_id)
            .map(|u| u.role)
            .unwrap_or(Role::None);
        let idx = id
            .checked_sub(FIRST_COMMENT_ID)
            .ok_or(StoreError::NotFound)? as usize;
        let rec = st.comments.get(idx).ok_or(StoreError::NotFound)?;
        if rec.user != user && !role.can_triage() {
            return Err(StoreError::Forbidden(
                "only the comment's author, the owner and collaborators may edit this comment"
                    .to_string(),
            ));
        }
        let old = rec.updated_at;
        let old_len = rec.body.len();
        charge(&mut st, body.len(), old_len)?;
        let now = st.bump(old);
        let rec = st.comments.get_mut(idx).ok_or(StoreError::NotFound)?;
        rec.body = body.to_string();
        rec.updated_at = now;
        st.comment_view(id, self.owner_id)
            .ok_or(StoreError::NotFound)
    }

    /// Comments of one issue (`Some(n)`) or of the whole repository, sorted per `q`.
    pub(crate) fn list_comments(
        &self,
        issue: Option<u64>,
        q: &ListQuery,
    ) -> Result<Vec<CommentView>, StoreError> {
        let st = self.lock();
        if let Some(n) = issue {
            if n == 0 || n as usize > st.issues.len() {
                return Err(StoreError::NotFound);
            }
        }
        let keys = st
            .comments
            .iter()
            .enumerate()
            .filter(|(_, c)| issue.is_none_or(|n| c.issue_number == n))
            .map(|(i, c)| (FIRST_COMMENT_ID + i as u64, c.created_at, c.updated_at))
            .collect();
        Ok(sort_keys(keys, q)
            .into_iter()
            .filter_map(|id| st.comment_view(id, self.owner_id))
            .collect())
    }
}

//! A small validator for the parts of OpenAPI 3.0 that GitHub's description uses in the
//! responses Janus reads: `$ref`, `type`, `nullable`, `properties`, `required`,
//! `additionalProperties`, `items`, `enum`, `oneOf` / `anyOf` / `allOf`, and the `date-time`
//! and `uri` formats. Objects may not carry properties the schema does not declare (unless
//! it allows additional ones), so the embedded forge cannot invent fields either.
//!
//! `oneOf` is checked as "at least one matches": GitHub's own alternatives overlap (a
//! private user is also a valid public user), so "exactly one" would reject real answers.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::{Map, Value};

/// GitHub's OpenAPI description, from the npm package `@octokit/openapi`.
pub struct Spec {
    /// The whole document.
    pub doc: Value,
}

/// Where the description lives once `npm ci` (or `./scripts/test`) ran.
pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("node_modules/@octokit/openapi/generated/api.github.com.json")
}

impl Spec {
    /// Loads the description; panics with the command that installs it.
    pub fn load() -> Spec {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("cannot read GitHub's OpenAPI description at {} ({e}): run `npm ci` (or ./scripts/test, which does) to install @octokit/openapi", path.display())
        });
        Spec {
            doc: serde_json::from_str(&text).expect("the OpenAPI description is JSON"),
        }
    }

    /// Follows a local `$ref` (`#/components/...`).
    pub fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                return v;
            };
            let mut cur = &self.doc;
            for part in r.trim_start_matches("#/").split('/') {
                cur = &cur[part.replace("~1", "/").replace("~0", "~")];
            }
            v = cur;
        }
        v
    }

    /// The operation object for `method` on the path template `path`.
    pub fn operation(&self, method: &str, path: &str) -> Option<&Value> {
        self.doc
            .get("paths")?
            .get(path)?
            .get(method.to_ascii_lowercase())
    }

    /// Which path template (e.g. `/repos/{owner}/{repo}/issues/{issue_number}`) matches a
    /// concrete path, preferring literal segments over parameters.
    pub fn template_for(&self, method: &str, concrete: &str) -> Option<String> {
        let segs: Vec<&str> = concrete.trim_matches('/').split('/').collect();
        let paths = self.doc.get("paths")?.as_object()?;
        let mut best: Option<(usize, String)> = None;
        for (template, item) in paths {
            if item.get(method.to_ascii_lowercase()).is_none() {
                continue;
            }
            let tsegs: Vec<&str> = template.trim_matches('/').split('/').collect();
            if tsegs.len() != segs.len() {
                continue;
            }
            let mut literal = 0;
            let ok = tsegs.iter().zip(&segs).all(|(t, s)| {
                if t.starts_with('{') && t.ends_with('}') {
                    true
                } else {
                    literal += 1;
                    t == s
                }
            });
            if ok && best.as_ref().is_none_or(|(l, _)| literal > *l) {
                best = Some((literal, template.clone()));
            }
        }
        best.map(|(_, t)| t)
    }

    /// The query parameters an operation declares: name → schema.
    pub fn query_params(&self, op: &Value) -> Map<String, Value> {
        let mut out = Map::new();
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = self.resolve(p);
            if p.get("in").and_then(Value::as_str) == Some("query") {
                if let (Some(name), Some(schema)) =
                    (p.get("name").and_then(Value::as_str), p.get("schema"))
                {
                    out.insert(name.to_string(), schema.clone());
                }
            }
        }
        out
    }

    /// The JSON schema of `op`'s answer with `status`, if it documents a body.
    pub fn response_schema<'a>(&'a self, op: &'a Value, status: u16) -> Option<&'a Value> {
        let resp = self.resolve(op.get("responses")?.get(status.to_string())?);
        resp.get("content")?.get("application/json")?.get("schema")
    }

    /// Validates `value` against `schema`; each error names the JSON path.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            return;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let merged = self.merge_all_of(all);
            return self.check(&merged, value, at, errors);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = schema.get(key).and_then(Value::as_array) {
                let results: Vec<Vec<String>> = alts
                    .iter()
                    .map(|s| self.validate_at(s, value, at))
                    .collect();
                if !results.iter().any(Vec::is_empty) {
                    let best = results.into_iter().min_by_key(Vec::len).unwrap_or_default();
                    errors.push(format!(
                        "{at}: matches none of the {key} alternatives; closest: {}",
                        best.join("; ")
                    ));
                }
                return;
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                errors.push(format!("{at}: {value} is not one of {options:?}"));
            }
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let type_ok = match ty {
            None => true,
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some(other) => {
                errors.push(format!("{at}: unknown schema type {other}"));
                true
            }
        };
        if !type_ok {
            errors.push(format!(
                "{at}: expected {}, got {}",
                ty.unwrap_or("?"),
                short(value)
            ));
            return;
        }
        if let (Some(s), Some(format)) =
            (value.as_str(), schema.get("format").and_then(Value::as_str))
        {
            let ok = match format {
                "date-time" => {
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .is_ok()
                }
                "uri" => s.starts_with("https://") || s.starts_with("http://"),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: {s:?} is not a valid {format}"));
            }
        }
        if let Some(items) = value.as_array() {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.check(item_schema, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        if let Some(obj) = value.as_object() {
            self.check_object(schema, obj, at, errors);
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        obj: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let props = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(name) {
                errors.push(format!("{at}: missing required property `{name}`"));
            }
        }
        let extra = schema.get("additionalProperties");
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => self.check(s, v, &format!("{at}.{k}"), errors),
                None => match extra {
                    Some(Value::Bool(true)) => {}
                    Some(s @ Value::Object(_)) => self.check(s, v, &format!("{at}.{k}"), errors),
                    // Free-form objects (no declared properties) take anything.
                    _ if props.is_none() => {}
                    _ => errors.push(format!("{at}: property `{k}` is not in GitHub's schema")),
                },
            }
        }
    }

    fn validate_at(&self, schema: &Value, value: &Value, at: &str) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, at, &mut errors);
        errors
    }

    /// One object schema from the parts of an `allOf` (their properties and requirements).
    fn merge_all_of(&self, parts: &[Value]) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for part in parts {
            let part = self.resolve(part);
            let part = match part.get("allOf").and_then(Value::as_array) {
                Some(inner) => self.merge_all_of(inner),
                None => part.clone(),
            };
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                props.extend(p.clone());
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.iter().cloned());
            }
        }
        serde_json::json!({ "type": "object", "properties": props, "required": required })
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

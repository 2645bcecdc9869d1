//! The Prompts API: what a prompted report instance asks, and the answers to it.
//!
//! Answer up front with [`ReportQuery::answer`](crate::reports::ReportQuery::answer), or by
//! hand with [`Instance::prompts`](crate::reports::Instance::prompts) and
//! [`Instance::answer`](crate::reports::Instance::answer).

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The kind of answer a prompt takes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum PromptType {
    /// A typed value (text, number, date).
    Value,
    /// Attribute elements (`{"id": "h…;…"}`).
    Elements,
    /// Objects (`{"id", "type"}`).
    Objects,
    /// A filter expression.
    Expression,
    /// A level (attributes).
    Level,
    /// Any type this client does not know.
    #[serde(other)]
    Unsupported,
}

impl PromptType {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Value => "VALUE",
            Self::Elements => "ELEMENTS",
            Self::Objects => "OBJECTS",
            Self::Expression => "EXPRESSION",
            Self::Level => "LEVEL",
            Self::Unsupported => "UNSUPPORTED",
        }
    }
}

/// An open prompt, as `GET reports/{id}/instances/{iid}/prompts` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Prompt {
    /// The prompt object's id.
    #[serde(default)]
    pub id: String,
    /// The unique key within the report (`"{id}@0@10"` style); answers should use it.
    #[serde(default)]
    pub key: String,
    /// The prompt's name.
    #[serde(default)]
    pub name: String,
    /// The answer type.
    #[serde(rename = "type")]
    pub kind: PromptType,
    /// Whether an empty answer is refused.
    #[serde(default)]
    pub required: bool,
    /// Whether the prompt is already answered.
    #[serde(default)]
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A key, id or name, told apart when sent: a key holds `@`, an id is 32 hex digits.
    Auto(String),
    Key(String),
}

/// One answer for `PUT …/prompts/answers`.
///
/// The target is a prompt key, id or name: a string holding `@` is sent as `key`, 32 hex
/// digits as `id`, anything else as `name` (the server matches in that order).
/// [`ReportQuery::answer`](crate::reports::ReportQuery::answer) pins each answer to the open prompt's
/// key before sending.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptAnswer {
    target: Target,
    kind: PromptType,
    answers: Vec<Value>,
    use_default: bool,
}

impl PromptAnswer {
    fn new(target: impl Into<String>, kind: PromptType, answers: Vec<Value>) -> Self {
        Self {
            target: Target::Auto(target.into()),
            kind,
            answers,
            use_default: false,
        }
    }

    /// A `VALUE` answer: text, numbers or booleans.
    pub fn value<I, V>(target: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        Self::new(
            target,
            PromptType::Value,
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// An `ELEMENTS` answer: element ids such as `"h4;8D679D41…"`.
    pub fn elements<I, S>(target: impl Into<String>, element_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(
            target,
            PromptType::Elements,
            element_ids
                .into_iter()
                .map(|id| json!({ "id": id.into() }))
                .collect(),
        )
    }

    /// An `OBJECTS` answer: `(object id, object type)` pairs, e.g. `(id, 12)` for an attribute.
    pub fn objects<I, S>(target: impl Into<String>, objects: I) -> Self
    where
        I: IntoIterator<Item = (S, i64)>,
        S: Into<String>,
    {
        Self::new(
            target,
            PromptType::Objects,
            objects
                .into_iter()
                .map(|(id, kind)| json!({ "id": id.into(), "type": kind }))
                .collect(),
        )
    }

    /// No answer: closes an optional prompt (a required one is refused with `ERR006`).
    pub fn empty(target: impl Into<String>, kind: PromptType) -> Self {
        Self::new(target, kind, Vec::new())
    }

    /// The prompt's default answer (`useDefault: true`).
    pub fn use_default(target: impl Into<String>, kind: PromptType) -> Self {
        Self {
            use_default: true,
            ..Self::new(target, kind, Vec::new())
        }
    }

    /// Whether this answer targets `prompt` (by key, id or name) with its type.
    pub fn matches(&self, prompt: &Prompt) -> bool {
        let target = match &self.target {
            Target::Auto(t) | Target::Key(t) => t,
        };
        self.kind == prompt.kind
            && (*target == prompt.key || *target == prompt.id || *target == prompt.name)
    }

    /// This answer, aimed at `prompt`'s key.
    pub fn for_prompt(mut self, prompt: &Prompt) -> Self {
        if !prompt.key.is_empty() {
            self.target = Target::Key(prompt.key.clone());
        }
        self
    }

    /// The JSON the server expects for this answer.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        let (field, value) = match &self.target {
            Target::Key(k) => ("key", k),
            Target::Auto(t) if t.contains('@') => ("key", t),
            Target::Auto(t) if t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) => {
                ("id", t)
            }
            Target::Auto(t) => ("name", t),
        };
        map.insert(field.to_owned(), Value::String(value.clone()));
        map.insert(
            "type".to_owned(),
            Value::String(self.kind.as_str().to_owned()),
        );
        if self.use_default {
            map.insert("useDefault".to_owned(), Value::Bool(true));
        } else {
            map.insert("answers".to_owned(), Value::Array(self.answers.clone()));
        }
        Value::Object(map)
    }
}

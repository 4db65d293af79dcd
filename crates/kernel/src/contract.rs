//! What the checks enforce, written into the OpenAPI document from the same constants.
//!
//! utoipa's attributes take literal numbers only, so a bound written there would be a
//! second copy of the constant the validation uses. Instead each domain crate lists its
//! constraints next to its checks (`contract()`), naming a schema property or an
//! operation's parameter and the rule, with the constants themselves; the server applies
//! them when it assembles the document. A constraint whose target does not exist is an
//! error the server's tests report, so a renamed field cannot silently lose its bounds.

use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::{OpenApi, RefOr};

/// A string with something other than white space: the checks trim text, and text
/// that is empty then is missing. Like every text of this API it holds no NUL character.
pub const NOT_BLANK: &str = r"^[^\u0000]*[^\s\u0000][^\u0000]*$";

/// Any text without a NUL character (U+0000): no text of this API may hold one (PostgreSQL
/// cannot store it), so the server refuses it in bodies (422) and in addresses (400).
/// [`shared_text_rules`] writes it on every string a request carries that has no stricter rule.
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// One rule of a string, number or list.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// A string of `min` to `max` characters.
    Length(usize, usize),
    /// A whole number from `min` to `max`.
    Range(i64, i64),
    /// A list of `min` to `max` items.
    Items(usize, usize),
    /// A list of at least this many items.
    MinItems(usize),
    /// Every item of a list is a string of `min` to `max` characters.
    ItemLength(usize, usize),
    /// A string matching this regular expression (ECMA 262, as JSON Schema reads it).
    Pattern(&'static str),
    /// Every item of a list is a string matching this regular expression.
    ItemPattern(&'static str),
    /// A string of this format (`email`, `uri`, …), as JSON Schema names formats.
    Format(&'static str),
    /// The value the server uses when the field or parameter is left out.
    Default(Value),
    /// The media types a response may have (e.g. the file types a download can be), in
    /// place of the one the annotation names.
    MediaTypes(Vec<&'static str>),
}

/// Where a rule applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A property of a component schema.
    Field {
        schema: &'static str,
        field: &'static str,
    },
    /// A parameter of the operation with this `operationId`.
    Parameter {
        operation: &'static str,
        name: &'static str,
    },
    /// A response (by status, e.g. `"200"`) of the operation with this `operationId`.
    Response {
        operation: &'static str,
        status: &'static str,
    },
}

/// A rule and where it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub target: Target,
    pub rule: Rule,
}

impl Constraint {
    /// A rule of the property `field` of the component `schema`.
    pub fn field(schema: &'static str, field: &'static str, rule: Rule) -> Self {
        Self {
            target: Target::Field { schema, field },
            rule,
        }
    }

    /// A rule of the parameter `name` of the operation `operation`.
    pub fn parameter(operation: &'static str, name: &'static str, rule: Rule) -> Self {
        Self {
            target: Target::Parameter { operation, name },
            rule,
        }
    }

    /// A rule of the `status` response of the operation `operation`.
    pub fn response(operation: &'static str, status: &'static str, rule: Rule) -> Self {
        Self {
            target: Target::Response { operation, status },
            rule,
        }
    }
}

/// Applies every constraint; returns those that found no target or could not apply (a
/// length on a number, say), described for a test to report.
pub fn apply(api: &mut OpenApi, constraints: &[Constraint]) -> Vec<String> {
    let mut failed = Vec::new();
    for constraint in constraints {
        let schema = match &constraint.target {
            Target::Field { schema, field } => field_schema(api, schema, field),
            Target::Parameter { operation, name } => parameter_schema(api, operation, name),
            Target::Response { operation, status } => {
                if !apply_to_response(api, operation, status, &constraint.rule) {
                    failed.push(format!("{:?}: {:?}", constraint.target, constraint.rule));
                }
                continue;
            }
        };
        let applied = schema.is_some_and(|schema| apply_rule(schema, &constraint.rule));
        if !applied {
            failed.push(format!("{:?}: {:?}", constraint.target, constraint.rule));
        }
    }
    failed
}

fn field_schema<'a>(
    api: &'a mut OpenApi,
    schema: &str,
    field: &str,
) -> Option<&'a mut RefOr<Schema>> {
    let components = api.components.as_mut()?;
    match components.schemas.get_mut(schema)? {
        RefOr::T(Schema::Object(object)) => object.properties.get_mut(field),
        // What `#[serde(flatten)]` makes: the property is in one of the inline parts.
        RefOr::T(Schema::AllOf(all)) => all.items.iter_mut().find_map(|part| match part {
            RefOr::T(Schema::Object(object)) => object.properties.get_mut(field),
            _ => None,
        }),
        _ => None,
    }
}

/// A response rule: only [`Rule::MediaTypes`], which gives the response one content entry
/// per media type, each like the one the annotation wrote.
fn apply_to_response(api: &mut OpenApi, operation_id: &str, status: &str, rule: &Rule) -> bool {
    let Rule::MediaTypes(media_types) = rule else {
        return false;
    };
    let Some(operation) = operation_mut(api, operation_id) else {
        return false;
    };
    let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) else {
        return false;
    };
    let Some(template) = response.content.values().next().cloned() else {
        return false;
    };
    response.content = media_types
        .iter()
        .map(|media_type| ((*media_type).to_owned(), template.clone()))
        .collect();
    true
}

fn operation_mut<'a>(api: &'a mut OpenApi, operation_id: &str) -> Option<&'a mut Operation> {
    api.paths
        .paths
        .values_mut()
        .flat_map(|item| {
            [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
        })
        .filter_map(Option::as_mut)
        .find(|op: &&mut Operation| op.operation_id.as_deref() == Some(operation_id))
}

fn parameter_schema<'a>(
    api: &'a mut OpenApi,
    operation_id: &str,
    name: &str,
) -> Option<&'a mut RefOr<Schema>> {
    let operation = operation_mut(api, operation_id)?;
    operation
        .parameters
        .as_mut()?
        .iter_mut()
        .find_map(|parameter| match parameter {
            RefOr::T(parameter) if parameter.name == name => Some(parameter),
            _ => None,
        })?
        .schema
        .as_mut()
}

/// Applies `rule` to a schema, or to the non-null alternatives of an optional one.
fn apply_rule(schema: &mut RefOr<Schema>, rule: &Rule) -> bool {
    let RefOr::T(schema) = schema else {
        return false;
    };
    match (schema, rule) {
        (Schema::OneOf(one), _) => {
            let mut applied = false;
            for item in &mut one.items {
                let is_null = matches!(item, RefOr::T(Schema::Object(o))
                    if o.schema_type == utoipa::openapi::schema::SchemaType::Type(utoipa::openapi::Type::Null));
                if !is_null {
                    applied |= apply_rule(item, rule);
                }
            }
            applied
        }
        (Schema::Object(object), Rule::Length(min, max)) => {
            object.min_length = Some(*min);
            object.max_length = Some(*max);
            true
        }
        (Schema::Object(object), Rule::Range(min, max)) => {
            object.minimum = Some(utoipa::Number::Int(*min as isize));
            object.maximum = Some(utoipa::Number::Int(*max as isize));
            true
        }
        (Schema::Object(object), Rule::Pattern(pattern)) => {
            object.pattern = Some((*pattern).to_owned());
            true
        }
        (Schema::Object(object), Rule::Format(format)) => {
            object.format = Some(utoipa::openapi::schema::SchemaFormat::Custom(
                (*format).to_owned(),
            ));
            true
        }
        (Schema::Object(object), Rule::Default(value)) => {
            object.default = Some(value.clone());
            true
        }
        (Schema::Array(array), Rule::Items(min, max)) => {
            array.min_items = Some(*min);
            array.max_items = Some(*max);
            true
        }
        (Schema::Array(array), Rule::MinItems(min)) => {
            array.min_items = Some(*min);
            true
        }
        (Schema::Array(array), Rule::ItemLength(min, max)) => match &mut array.items {
            ArrayItems::RefOrSchema(item) => apply_rule(item, &Rule::Length(*min, *max)),
            ArrayItems::False => false,
        },
        (Schema::Array(array), Rule::ItemPattern(pattern)) => match &mut array.items {
            ArrayItems::RefOrSchema(item) => apply_rule(item, &Rule::Pattern(pattern)),
            ArrayItems::False => false,
        },
        (Schema::Array(array), Rule::Default(value)) => {
            array.default = Some(value.clone());
            true
        }
        _ => false,
    }
}

/// A link of the document (OpenAPI `links`): where a response of one operation leads —
/// the operation that takes the id it returns, with the runtime expressions that fill
/// that operation's parameters (`$response.body#/id`, `$response.header.ETag`,
/// `$request.path.key`). Generated clients and fuzzers follow them from a new guide to
/// its submission and publication, from a slot to its booking, and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The `operationId` whose response leads on.
    pub from: &'static str,
    /// The response's status, e.g. `"201"`.
    pub status: &'static str,
    /// The `operationId` it leads to; also the link's name.
    pub to: &'static str,
    /// Parameters of `to` (by name) and the runtime expressions that fill them.
    pub parameters: Vec<(&'static str, &'static str)>,
}

impl Link {
    /// A link from `from`'s `status` response to `to`, filling `parameters`.
    pub fn new(
        from: &'static str,
        status: &'static str,
        to: &'static str,
        parameters: &[(&'static str, &'static str)],
    ) -> Self {
        Self {
            from,
            status,
            to,
            parameters: parameters.to_vec(),
        }
    }

    /// Links from `from`'s `status` response to each of `to`, filling the same parameters.
    pub fn each(
        from: &'static str,
        status: &'static str,
        to: &[&'static str],
        parameters: &[(&'static str, &'static str)],
    ) -> Vec<Self> {
        to.iter()
            .map(|to| Self::new(from, status, to, parameters))
            .collect()
    }
}

/// Writes the links into the document (as JSON); returns those whose operations,
/// response or parameters do not exist, described for a test to report.
pub fn apply_links(document: &mut Value, links: &[Link]) -> Vec<String> {
    let mut failed = Vec::new();
    for link in links {
        let target = find_operation_mut(document, link.to).map(|operation| operation.clone());
        let known = |name: &str| {
            target.as_ref().is_some_and(|operation| {
                operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|all| {
                        all.iter()
                            .any(|p| p.get("name").and_then(Value::as_str) == Some(name))
                    })
            })
        };
        if target.is_none() || !link.parameters.iter().all(|(name, _)| known(name)) {
            failed.push(format!("{link:?}: no such operation or parameter"));
            continue;
        }
        let Some(response) = find_operation_mut(document, link.from)
            .and_then(|operation| operation.get_mut("responses"))
            .and_then(|responses| responses.get_mut(link.status))
            .and_then(Value::as_object_mut)
        else {
            failed.push(format!("{link:?}: no such response"));
            continue;
        };
        let parameters: serde_json::Map<String, Value> = link
            .parameters
            .iter()
            .map(|(name, expression)| ((*name).to_owned(), Value::from(*expression)))
            .collect();
        let links = response
            .entry("links")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(links) = links.as_object_mut() {
            links.insert(
                link.to.to_owned(),
                serde_json::json!({ "operationId": link.to, "parameters": parameters }),
            );
        }
    }
    failed
}

fn find_operation_mut<'a>(document: &'a mut Value, id: &str) -> Option<&'a mut Value> {
    document
        .get_mut("paths")?
        .as_object_mut()?
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .find(|operation| operation.get("operationId").and_then(Value::as_str) == Some(id))
}

/// States the rules every text of a request shares, wherever it is: every string a
/// request can carry — in a parameter or anywhere in a body, through references — that
/// has no pattern, format or list of values gets the pattern [`NO_NUL`]; and a query
/// parameter is never empty (`?q=` is refused, see `extract::parse_query`), so its strings
/// get `minLength: 1`. Works on the document as JSON, where references are plain to follow.
pub fn shared_text_rules(document: &mut Value) {
    let mut names: Vec<String> = Vec::new();
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut().filter_map(Value::as_object_mut) {
                if let Some(parameters) = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                {
                    for parameter in parameters {
                        let in_query = parameter.get("in").and_then(Value::as_str) == Some("query");
                        if let Some(schema) = parameter.get_mut("schema") {
                            refuse_nul(schema, &mut names);
                            if in_query {
                                refuse_empty(schema);
                            }
                        }
                    }
                }
                if let Some(content) = operation
                    .get_mut("requestBody")
                    .and_then(|body| body.get_mut("content"))
                    .and_then(Value::as_object_mut)
                {
                    for media in content.values_mut() {
                        if let Some(schema) = media.get_mut("schema") {
                            refuse_nul(schema, &mut names);
                        }
                    }
                }
            }
        }
    }
    // Follows the references found, once each.
    let mut done: Vec<String> = Vec::new();
    while let Some(name) = names.pop() {
        if done.contains(&name) {
            continue;
        }
        done.push(name.clone());
        if let Some(schema) = document.pointer_mut(&format!("/components/schemas/{name}")) {
            refuse_nul(schema, &mut names);
        }
    }
}

/// Whether a schema (as JSON) admits strings, alone or beside `null`.
fn is_string(schema: &serde_json::Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "string",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "string"),
        _ => false,
    }
}

/// A query parameter's strings, or the strings of its list, have at least one character.
fn refuse_empty(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(items) = object.get_mut("items") {
        refuse_empty(items);
        return;
    }
    let is_string = is_string(object);
    let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    if is_string && min == 0 && !object.contains_key("enum") {
        object.insert("minLength".to_owned(), Value::from(1));
    }
}

/// [`shared_text_rules`]'s NUL rule on one schema: marks its strings, collects the components it refers to.
fn refuse_nul(schema: &mut Value, references: &mut Vec<String>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(name) = object
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
    {
        references.push(name.to_owned());
        return;
    }
    let is_string = is_string(object);
    let constrained = ["pattern", "format", "enum", "const"]
        .iter()
        .any(|key| object.contains_key(*key));
    if is_string && !constrained {
        object.insert("pattern".to_owned(), Value::from(NO_NUL));
    }
    // The keys of a map are text too.
    if object
        .get("additionalProperties")
        .is_some_and(Value::is_object)
        && !object.contains_key("propertyNames")
    {
        object.insert(
            "propertyNames".to_owned(),
            serde_json::json!({ "pattern": NO_NUL }),
        );
    }
    for key in ["items", "additionalProperties", "propertyNames", "not"] {
        if let Some(inner) = object.get_mut(key) {
            refuse_nul(inner, references);
        }
    }
    for key in ["properties"] {
        if let Some(members) = object.get_mut(key).and_then(Value::as_object_mut) {
            for member in members.values_mut() {
                refuse_nul(member, references);
            }
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(items) = object.get_mut(key).and_then(Value::as_array_mut) {
            for item in items {
                refuse_nul(item, references);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    use utoipa::openapi::{ComponentsBuilder, OpenApiBuilder};

    fn api() -> OpenApi {
        OpenApiBuilder::new()
            .components(Some(
                ComponentsBuilder::new()
                    .schema(
                        "Request",
                        ObjectBuilder::new()
                            .property("title", ObjectBuilder::new().schema_type(Type::String))
                            .property("seats", ObjectBuilder::new().schema_type(Type::Integer))
                            .property(
                                "tags",
                                ArrayBuilder::new()
                                    .items(ObjectBuilder::new().schema_type(Type::String)),
                            ),
                    )
                    .build(),
            ))
            .build()
    }

    #[test]
    fn rules_land_on_their_properties() {
        let mut api = api();
        let failed = apply(
            &mut api,
            &[
                Constraint::field("Request", "title", Rule::Length(1, 200)),
                Constraint::field("Request", "seats", Rule::Range(1, 50)),
                Constraint::field("Request", "seats", Rule::Default(1.into())),
                Constraint::field("Request", "tags", Rule::Items(0, 20)),
                Constraint::field("Request", "tags", Rule::ItemLength(1, 64)),
            ],
        );
        assert!(failed.is_empty(), "{failed:?}");
        let json = serde_json::to_value(&api).unwrap();
        let props = &json["components"]["schemas"]["Request"]["properties"];
        assert_eq!(props["title"]["maxLength"], 200);
        assert_eq!(props["title"]["minLength"], 1);
        assert_eq!(props["seats"]["maximum"], 50);
        assert_eq!(props["seats"]["default"], 1);
        assert_eq!(props["tags"]["maxItems"], 20);
        assert_eq!(props["tags"]["items"]["maxLength"], 64);
    }

    #[test]
    fn every_text_of_a_request_refuses_nul_and_query_values_are_never_empty() {
        use serde_json::json;
        let mut document = json!({
            "paths": {"/things": {"post": {
                "operationId": "make",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                    {"name": "id", "in": "path", "schema": {"type": "string", "format": "uuid"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Make"}}}},
                "responses": {"201": {"description": "made"}}
            }}},
            "components": {"schemas": {
                "Make": {"type": "object", "properties": {
                    "title": {"type": "string", "pattern": NOT_BLANK},
                    "note": {"type": ["string", "null"]},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "answers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}}
                }},
                "Part": {"type": "object", "properties": {"text": {"type": "string"}}},
                "Answer": {"type": "object", "properties": {"text": {"type": "string"}}}
            }}
        });
        shared_text_rules(&mut document);
        let operation = &document["paths"]["/things"]["post"];
        assert_eq!(operation["parameters"][0]["schema"]["pattern"], NO_NUL);
        assert_eq!(operation["parameters"][0]["schema"]["minLength"], 1);
        assert_eq!(
            operation["parameters"][1]["schema"]["items"]["minLength"],
            1
        );
        assert!(
            operation["parameters"][2]["schema"]
                .get("pattern")
                .is_none()
        );
        let make = &document["components"]["schemas"]["Make"]["properties"];
        assert_eq!(make["title"]["pattern"], NOT_BLANK);
        assert_eq!(make["note"]["pattern"], NO_NUL);
        assert!(make["kind"].get("pattern").is_none());
        assert_eq!(make["answers"]["additionalProperties"]["pattern"], NO_NUL);
        assert_eq!(make["answers"]["propertyNames"]["pattern"], NO_NUL);
        // Through references; a schema no request uses is left alone.
        assert_eq!(
            document["components"]["schemas"]["Part"]["properties"]["text"]["pattern"],
            NO_NUL
        );
        assert!(
            document["components"]["schemas"]["Answer"]["properties"]["text"]
                .get("pattern")
                .is_none()
        );
    }

    #[test]
    fn links_land_on_their_responses_and_unknown_ends_are_reported() {
        use serde_json::json;
        let mut document = json!({"paths": {
            "/things": {"post": {"operationId": "make", "responses": {"201": {"description": "made"}}}},
            "/things/{id}": {"get": {"operationId": "read", "parameters": [{"name": "id", "in": "path"}], "responses": {}}}
        }});
        let failed = apply_links(
            &mut document,
            &[
                Link::new("make", "201", "read", &[("id", "$response.body#/id")]),
                Link::new("make", "201", "read", &[("other", "$response.body#/id")]),
                Link::new("make", "200", "read", &[("id", "$response.body#/id")]),
                Link::new("make", "201", "nowhere", &[]),
            ],
        );
        assert_eq!(failed.len(), 3, "{failed:?}");
        assert_eq!(
            document["paths"]["/things"]["post"]["responses"]["201"]["links"]["read"],
            json!({"operationId": "read", "parameters": {"id": "$response.body#/id"}})
        );
    }

    #[test]
    fn a_missing_target_or_a_rule_that_does_not_fit_is_reported() {
        let mut api = api();
        let failed = apply(
            &mut api,
            &[
                Constraint::field("Request", "renamed", Rule::Length(1, 2)),
                Constraint::field("Nothing", "title", Rule::Length(1, 2)),
                Constraint::field("Request", "tags", Rule::Length(1, 2)),
                Constraint::parameter("no_such_operation", "limit", Rule::Range(1, 2)),
            ],
        );
        assert_eq!(failed.len(), 4, "{failed:?}");
    }
}

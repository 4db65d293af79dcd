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
/// that is empty then is missing.
pub const NOT_BLANK: &str = r"\S";

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
    /// The value the server uses when the field or parameter is left out.
    Default(Value),
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
}

/// Applies every constraint; returns those that found no target or could not apply (a
/// length on a number, say), described for a test to report.
pub fn apply(api: &mut OpenApi, constraints: &[Constraint]) -> Vec<String> {
    let mut failed = Vec::new();
    for constraint in constraints {
        let schema = match &constraint.target {
            Target::Field { schema, field } => field_schema(api, schema, field),
            Target::Parameter { operation, name } => parameter_schema(api, operation, name),
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
        _ => None,
    }
}

fn parameter_schema<'a>(
    api: &'a mut OpenApi,
    operation_id: &str,
    name: &str,
) -> Option<&'a mut RefOr<Schema>> {
    let operation = api
        .paths
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
        .find(|op: &&mut Operation| op.operation_id.as_deref() == Some(operation_id))?;
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
        (Schema::Array(array), Rule::Default(value)) => {
            array.default = Some(value.clone());
            true
        }
        _ => false,
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

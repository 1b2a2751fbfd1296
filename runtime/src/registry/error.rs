//! Why the registry could not be built, or a call could not be routed.

use std::fmt;

/// Why the registry could not be built, or a call could not be routed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two functions registered the same tool name.
    DuplicateName {
        /// The name both tools have.
        name: String,
        /// The first function (path and location).
        first: String,
        /// The second function.
        second: String,
    },
    /// No tool has this name.
    UnknownTool(String),
    /// A parameter's `#[arg(default = …)]` does not deserialise into its type.
    BadDefault {
        /// The tool.
        tool: String,
        /// The parameter.
        param: String,
        /// Why the default does not fit.
        message: String,
    },
    /// A schema the author wrote (`schema`, `extend`, `output_schema`, …) or a header declaration
    /// (`#[arg(header = …)]`) cannot be used.
    BadSchema {
        /// The tool.
        tool: String,
        /// `file:line` of its function.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A resource or prompt definition cannot be used: two resources with one URI, two prompts
    /// with one name, a URI template that does not parse.
    BadDefinition(String),
    /// A function takes a `State<T>` the application never provided (`App::state`).
    MissingState {
        /// The function (`module::path::function`).
        function: String,
        /// `file:line` of the function.
        location: String,
        /// The type it needs.
        type_name: String,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::DuplicateName {
                name,
                first,
                second,
            } => write!(
                f,
                "two tools are named `{name}`: {first} and {second}; rename one with #[tool(name = \"…\")]"
            ),
            RegistryError::UnknownTool(name) => write!(f, "Unknown tool: {name}"),
            RegistryError::BadDefault {
                tool,
                param,
                message,
            } => write!(f, "tool `{tool}`, parameter `{param}`: {message}"),
            RegistryError::BadSchema {
                tool,
                location,
                message,
            } => write!(f, "tool `{tool}` ({location}): {message}"),
            RegistryError::BadDefinition(message) => f.write_str(message),
            RegistryError::MissingState {
                function,
                location,
                type_name,
            } => write!(
                f,
                "`{function}` ({location}) takes a `State<{type_name}>`, but the application \
                 provides no `{type_name}`: add it with `App::state(..)` (or \
                 `Server::with_app_state`)"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

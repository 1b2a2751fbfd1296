//! Application state: values the program hands the server once (a database pool, an HTTP client,
//! its configuration) and that tools, resources and prompts receive as [`State<T>`] parameters.
//!
//! The values live in one map keyed by type. Which types a function asks for is known at compile
//! time ([`StateNeed`], submitted with its definition), so a missing one is found when the server
//! starts, never when a client happens to call the function.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A value of type `T` the application provided (`App::state`), injected into a `#[tool]`,
/// `#[resource]` or `#[prompt]` function that takes a `State<T>` parameter. It is not part of any
/// schema: clients never see it.
///
/// `State<T>` is a cheap handle (an `Arc`): it derefs to `T`, and every call shares one value, so
/// what changes between calls needs its own synchronisation inside `T` (a pool, an atomic, a
/// mutex).
///
/// ```
/// use sturdy_runtime::{AppState, State};
///
/// struct Upstream {
///     base_url: String,
/// }
///
/// let mut app_state = AppState::new();
/// app_state.insert(Upstream { base_url: "https://api.example.com".into() });
/// let upstream: State<Upstream> = app_state.get().expect("provided above");
/// assert_eq!(upstream.base_url, "https://api.example.com");
/// ```
pub struct State<T: ?Sized>(Arc<T>);

impl<T: ?Sized> State<T> {
    /// The shared value itself, to keep beyond the call.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T: ?Sized> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&&*self.0).finish()
    }
}

/// Every value the application provided, one per type.
#[derive(Default, Clone)]
pub struct AppState {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl AppState {
    /// No state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Provides `value` to every function taking a `State<T>`; replaces an earlier `T`.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The `T` provided, if any.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        let value = self.values.get(&TypeId::of::<T>())?.clone();
        value.downcast::<T>().ok().map(State)
    }

    /// Whether a value of the needed type was provided.
    pub fn provides(&self, need: &StateNeed) -> bool {
        self.values.contains_key(&(need.type_id)())
    }
}

// A panicking call is caught and the server goes on serving with the same values, as with any
// state a tool reaches (a static, a captured `Arc`): values that care guard themselves (a
// `Mutex` poisons). Without these, holding a `Server` would stop a program's own `catch_unwind`.
impl std::panic::RefUnwindSafe for AppState {}
impl std::panic::UnwindSafe for AppState {}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppState({} values)", self.values.len())
    }
}

/// One `State<T>` parameter of a generated definition: which type it needs, checked at start-up.
#[derive(Clone, Copy)]
pub struct StateNeed {
    type_id: fn() -> TypeId,
    type_name: fn() -> &'static str,
}

impl StateNeed {
    /// The need of a `State<T>` parameter.
    pub const fn of<T: ?Sized + 'static>() -> Self {
        StateNeed {
            type_id: TypeId::of::<T>,
            type_name: std::any::type_name::<T>,
        }
    }

    /// The needed type's name, as the compiler spells it (`my_server::Upstream`).
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }
}

impl fmt::Debug for StateNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "State<{}>", self.type_name())
    }
}

/// The first state any of `functions` needs and `state` lacks: `(rust path, location, type)`.
pub(crate) fn first_missing<'a>(
    state: &AppState,
    functions: impl IntoIterator<Item = (&'static str, &'static str, &'a [StateNeed])>,
) -> Option<(&'static str, &'static str, &'static str)> {
    functions.into_iter().find_map(|(path, location, needs)| {
        needs
            .iter()
            .find(|need| !state.provides(need))
            .map(|need| (path, location, need.type_name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pool(u32);
    struct Config;

    #[test]
    fn values_are_found_by_type_and_shared() {
        let mut state = AppState::new();
        state.insert(Pool(7));
        let a: State<Pool> = state.get().unwrap();
        let b: State<Pool> = state.clone().get().unwrap();
        assert_eq!(*a, Pool(7));
        assert!(Arc::ptr_eq(&a.into_arc(), &b.into_arc()));
        assert!(state.get::<Config>().is_none());
        assert!(state.get::<u32>().is_none());
    }

    #[test]
    fn a_later_value_of_one_type_replaces_the_earlier() {
        let mut state = AppState::new();
        state.insert(Pool(1));
        state.insert(Pool(2));
        assert_eq!(*state.get::<Pool>().unwrap(), Pool(2));
    }

    #[test]
    fn the_first_missing_need_names_function_and_type() {
        let mut state = AppState::new();
        state.insert(Pool(1));
        const NEEDS_POOL: &[StateNeed] = &[StateNeed::of::<Pool>()];
        const NEEDS_BOTH: &[StateNeed] = &[StateNeed::of::<Pool>(), StateNeed::of::<Config>()];
        assert_eq!(
            first_missing(&state, [("m::reads", "m.rs:1", NEEDS_POOL)]),
            None
        );
        let (path, location, ty) = first_missing(
            &state,
            [
                ("m::reads", "m.rs:1", NEEDS_POOL),
                ("m::configures", "m.rs:9", NEEDS_BOTH),
            ],
        )
        .unwrap();
        assert_eq!((path, location), ("m::configures", "m.rs:9"));
        assert!(ty.ends_with("Config"), "{ty}");
    }
}

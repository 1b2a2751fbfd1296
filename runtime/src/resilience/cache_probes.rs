//! What `#[cached]` needs of a function's types, decided as the program compiles.
//!
//! A cache key's parts must be `Hash + Eq + Clone`, and the cached value `Clone`. Written as
//! bounds on the pipeline, a type that lacks them fails every bound that mentions it, at the
//! attribute, in the runtime's vocabulary. The generated code asks these probes instead
//! (autoref specialisation, as [`crate::shared::CodecProbe`] does): a type that qualifies takes
//! the cached pipeline; one that does not takes a path that still type-checks and carries one
//! bound that cannot hold, so the program gets exactly one error, at the user's type, saying
//! what to change.

use super::pipeline::{Fail, Policies, PolicySpec, Predicates};
use crate::shared::ValueCodec;
use std::any::Any;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

/// Asks whether a parameter's type `T` can be part of a cache key:
/// `(&KeyProbe::<T>::new()).key_part(&arg)` (with [`KeyHashable`] and [`KeyUnhashable`] in
/// scope).
pub struct KeyProbe<T>(PhantomData<fn() -> T>);

impl<T> KeyProbe<T> {
    /// The probe.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        KeyProbe(PhantomData)
    }
}

/// A parameter type that keys a cache as it is (preferred by method resolution).
pub trait KeyHashable<T> {
    /// The argument's part of the key: a copy.
    fn key_part(&self, arg: &T) -> T;
}

impl<T: Hash + Eq + Clone + Send + Sync + 'static> KeyHashable<T> for KeyProbe<T> {
    fn key_part(&self, arg: &T) -> T {
        arg.clone()
    }
}

/// Any other parameter type: the one error, through [`CacheKeyPart`].
pub trait KeyUnhashable<T> {
    /// Never compiles: `T` is not [`CacheKeyPart`].
    fn key_part(&self, arg: &T) -> Unhashable
    where
        T: CacheKeyPart;
}

impl<T> KeyUnhashable<T> for &KeyProbe<T> {
    fn key_part(&self, _: &T) -> Unhashable
    where
        T: CacheKeyPart,
    {
        Unhashable
    }
}

/// Implemented by no type: the bound that carries the message when a parameter cannot be part
/// of a cache key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a cache key: #[cached] needs every parameter to be `Hash + Eq + Clone + Send + Sync`",
    label = "this parameter type is not hashable",
    note = "floating-point numbers are not `Hash`: take an integer or a string instead, or cache a function of the other arguments"
)]
pub trait CacheKeyPart {}

/// What stands in a key for a part that cannot be one (only in a program that does not compile).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Unhashable;

/// Asks whether a function's result type `V` can be cached, and builds and runs its pipeline
/// accordingly (with [`ValueCloneable`] and [`ValueNotCloneable`] in scope).
pub struct ValueProbe<V>(PhantomData<fn() -> V>);

impl<V> ValueProbe<V> {
    /// The probe.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        ValueProbe(PhantomData)
    }
}

/// A result type the cache can copy out (preferred by method resolution).
pub trait ValueCloneable<V> {
    /// The cached pipeline's state.
    fn policies<K, E>(
        &self,
        name: &'static str,
        spec: &PolicySpec,
        when: Predicates<E>,
        codec: Option<ValueCodec<V>>,
    ) -> Arc<Policies<K, V, E>>
    where
        K: Hash + Eq + Send + Sync + 'static,
        E: Send + Sync + 'static;

    /// One call through the cached pipeline ([`Policies::run`]).
    fn run<'p, K, E, F, Fut>(
        &self,
        policies: &'p Policies<K, V, E>,
        deferred: Option<String>,
        key: K,
        attempt: F,
    ) -> impl Future<Output = Result<V, Fail<E>>> + 'p
    where
        K: Hash + Eq + Send + Sync + 'static,
        E: Send + Sync + 'static,
        F: FnMut() -> Fut + 'p,
        Fut: Future<Output = Result<V, E>> + 'p;
}

impl<V: Clone + Send + Sync + 'static> ValueCloneable<V> for ValueProbe<V> {
    fn policies<K, E>(
        &self,
        name: &'static str,
        spec: &PolicySpec,
        when: Predicates<E>,
        codec: Option<ValueCodec<V>>,
    ) -> Arc<Policies<K, V, E>>
    where
        K: Hash + Eq + Send + Sync + 'static,
        E: Send + Sync + 'static,
    {
        Policies::new_cached(name, spec, when, codec)
    }

    fn run<'p, K, E, F, Fut>(
        &self,
        policies: &'p Policies<K, V, E>,
        deferred: Option<String>,
        key: K,
        attempt: F,
    ) -> impl Future<Output = Result<V, Fail<E>>> + 'p
    where
        K: Hash + Eq + Send + Sync + 'static,
        E: Send + Sync + 'static,
        F: FnMut() -> Fut + 'p,
        Fut: Future<Output = Result<V, E>> + 'p,
    {
        policies.run(deferred, key, attempt)
    }
}

/// Any other result type: the one error, through [`CachedValue`]; the pipeline without its
/// cache keeps the rest of the expansion quiet.
pub trait ValueNotCloneable<V> {
    /// Never compiles: `V` is not [`CachedValue`].
    fn policies<K, E>(
        &self,
        name: &'static str,
        spec: &PolicySpec,
        when: Predicates<E>,
        codec: Option<ValueCodec<V>>,
    ) -> Arc<Policies<K, V, E>>
    where
        V: CachedValue,
        K: Send + Sync + 'static,
        E: Send + Sync + 'static;

    /// The pipeline without a cache.
    fn run<'p, K, E, F, Fut>(
        &self,
        policies: &'p Policies<K, V, E>,
        deferred: Option<String>,
        key: K,
        attempt: F,
    ) -> impl Future<Output = Result<V, Fail<E>>> + 'p
    where
        K: Send + Sync + 'static,
        E: Send + Sync + 'static,
        F: FnMut() -> Fut + 'p,
        Fut: Future<Output = Result<V, E>> + 'p;
}

impl<V: Send + Sync + 'static> ValueNotCloneable<V> for &ValueProbe<V> {
    fn policies<K, E>(
        &self,
        name: &'static str,
        spec: &PolicySpec,
        when: Predicates<E>,
        _: Option<ValueCodec<V>>,
    ) -> Arc<Policies<K, V, E>>
    where
        V: CachedValue,
        K: Send + Sync + 'static,
        E: Send + Sync + 'static,
    {
        Policies::new(name, spec, when)
    }

    fn run<'p, K, E, F, Fut>(
        &self,
        policies: &'p Policies<K, V, E>,
        deferred: Option<String>,
        _: K,
        attempt: F,
    ) -> impl Future<Output = Result<V, Fail<E>>> + 'p
    where
        K: Send + Sync + 'static,
        E: Send + Sync + 'static,
        F: FnMut() -> Fut + 'p,
        Fut: Future<Output = Result<V, E>> + 'p,
    {
        policies.run_uncached(deferred, attempt)
    }
}

/// Implemented by no type: the bound that carries the message when a result cannot be cached.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached: #[cached] needs the function's result type to be `Clone + Send + Sync`",
    label = "every cache hit returns a copy of this value",
    note = "derive it: `#[derive(Clone)]`"
)]
pub trait CachedValue {}

/// The one `Policies` of a function with resilience attributes, made on its first call.
///
/// The generated `static` holds this cell rather than a `OnceLock<Arc<Policies<K, V, E>>>`, so
/// that the key and value types need not be written in the static's type (where a type that
/// fails its bounds would be blamed on the whole attribute): they are inferred from the call.
pub struct PolicyCell(OnceLock<Box<dyn Any + Send + Sync>>);

impl PolicyCell {
    /// An empty cell, for a `static`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }

    /// The function's policies, made by `init` on the first call.
    pub fn get_or_init<K, V, E>(
        &'static self,
        init: impl FnOnce() -> Arc<Policies<K, V, E>>,
    ) -> &'static Policies<K, V, E>
    where
        K: Send + Sync + 'static,
        V: Send + Sync + 'static,
        E: Send + Sync + 'static,
    {
        self.0
            .get_or_init(|| Box::new(init()))
            .downcast_ref::<Arc<Policies<K, V, E>>>()
            .expect("a function's policies have one type")
    }
}

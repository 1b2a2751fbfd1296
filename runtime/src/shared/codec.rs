//! How a `#[cached]` value travels through the shared store: JSON (serde), when its type is
//! `Serialize + DeserializeOwned`; a value of any other type is cached in-process only. Chosen at
//! compile time by the attribute's generated code (autoref specialisation: [`CodecProbe`]).

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::marker::PhantomData;

/// Encodes and decodes values of one type for the shared store.
#[doc(hidden)]
pub struct ValueCodec<V> {
    encode: fn(&V) -> Option<Vec<u8>>,
    decode: fn(&[u8]) -> Option<V>,
}

impl<V> Clone for ValueCodec<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for ValueCodec<V> {}

impl<V: Serialize + DeserializeOwned> ValueCodec<V> {
    /// JSON, through serde.
    pub fn json() -> Self {
        ValueCodec {
            encode: |v| serde_json::to_vec(v).ok(),
            decode: |bytes| serde_json::from_slice(bytes).ok(),
        }
    }
}

impl<V> ValueCodec<V> {
    /// The bytes stored for `value`; `None` when it does not serialise.
    pub fn encode(&self, value: &V) -> Option<Vec<u8>> {
        (self.encode)(value)
    }

    /// The value stored as `bytes`; `None` when they do not deserialise (another version of the
    /// program, someone else's data).
    pub fn decode(&self, bytes: &[u8]) -> Option<V> {
        (self.decode)(bytes)
    }
}

/// Asks, at compile time, whether `V` can be shared: `(&CodecProbe::<V>::new()).codec()` is a
/// JSON codec when `V: Serialize + DeserializeOwned`, `None` otherwise (both traits in scope).
#[doc(hidden)]
pub struct CodecProbe<V>(PhantomData<fn() -> V>);

impl<V> CodecProbe<V> {
    /// The probe.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CodecProbe(PhantomData)
    }
}

/// The codec of a type that serialises and deserialises (preferred by method resolution).
#[doc(hidden)]
pub trait Serde<V> {
    /// `Some`: values of this type are shared.
    fn codec(&self) -> Option<ValueCodec<V>>;
}

impl<V: Serialize + DeserializeOwned> Serde<V> for CodecProbe<V> {
    fn codec(&self) -> Option<ValueCodec<V>> {
        Some(ValueCodec::json())
    }
}

/// Any other type: cached in-process only.
#[doc(hidden)]
pub trait LocalOnly<V> {
    /// `None`: values of this type stay in the process.
    fn codec(&self) -> Option<ValueCodec<V>>;
}

impl<V> LocalOnly<V> for &CodecProbe<V> {
    fn codec(&self) -> Option<ValueCodec<V>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Opaque;

    // The borrow is what picks the impl, as in generated code.
    #[test]
    #[allow(clippy::needless_borrow)]
    fn serde_types_get_a_codec_and_others_do_not() {
        let shared = (&CodecProbe::<Vec<u32>>::new()).codec().unwrap();
        let bytes = shared.encode(&vec![1, 2]).unwrap();
        assert_eq!(shared.decode(&bytes), Some(vec![1, 2]));
        assert_eq!(shared.decode(b"{not json"), None);
        assert!((&CodecProbe::<Opaque>::new()).codec().is_none());
    }
}

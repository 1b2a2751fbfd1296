//! Ids nobody can guess.

/// 128 bits from the operating system's cryptographic generator, as hex: an id nobody can guess
/// (session ids, request states, task ids).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random generator is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! The rule-set version: a stable fingerprint of the canonical description of a compiled rule
//! set. Layout, comments and key order in `patron.toml` do not change it; any change of meaning
//! does. FNV-1a with 128 bits is written out here so the value never changes with a dependency.

/// 32 hexadecimal digits identifying `canonical`.
pub(crate) fn fingerprint(canonical: &str) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let hash = canonical
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME));
    format!("{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference values of FNV-1a 128.
        assert_eq!(fingerprint(""), "6c62272e07bb014262b821756295c58d");
        assert_eq!(fingerprint("a"), "d228cb696f1a8caf78912b704e4a8964");
    }
}

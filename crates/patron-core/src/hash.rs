//! FNV-1a (64 bits): Patron's one stable, non-cryptographic hash, for derived ids, content
//! fingerprints and fact digests. std's hasher is randomised per process, and a crate's hash
//! may change with its version; these values must not, because they are stored.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a hasher.
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(OFFSET)
    }
}

impl Fnv64 {
    /// A hasher at FNV's offset basis.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mixes in bytes, one at a time (FNV-1a proper).
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }

    /// Mixes in a string followed by a 0xff separator (a byte no UTF-8 text contains), so
    /// that ("ab", "c") and ("a", "bc") differ.
    pub fn field(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&[0xff]);
    }

    /// Mixes in a whole 64-bit word at once: a fingerprint of many numbers, not FNV of their
    /// bytes.
    pub fn word(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(PRIME);
    }

    /// The hash.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_fnv1a_values() {
        // Reference values of FNV-1a 64 (Fowler, Noll, Vo).
        let hash = |s: &str| {
            let mut h = Fnv64::new();
            h.bytes(s.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }
}

//! Strings to dense codes ([`Dictionary`]), the cleaner's per-partition id, category and
//! channel dictionaries.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Strings to dense codes, in order of first appearance.
#[derive(Debug)]
pub struct Dictionary {
    codes: HashMap<Key, u32, foldhash::fast::FixedState>,
    /// The strings; `names[code]`.
    pub names: Vec<String>,
    /// The last code given and its name's [`short_key`] ([`NO_KEY`] before the first): consecutive
    /// rows often share a value (the lines of one order, a log sorted by customer), and one
    /// comparison is cheaper than a lookup. Two plain fields, not an `Option` of a pair: the
    /// compiler copied that through the stack and read it back across two stores, a stall on
    /// every call (half of this function's samples on the 11.9M-row log).
    last_code: u32,
    last_key: [u64; 3],
    /// While there are at most [`SMALL_DICTIONARY`] names (categories, channels): each name's
    /// [`short_key`], so a lookup compares three words per name.
    small: Vec<[u64; 3]>,
}

impl Default for Dictionary {
    fn default() -> Dictionary {
        Dictionary { codes: HashMap::default(), names: Vec::new(), last_code: 0, last_key: NO_KEY, small: Vec::new() }
    }
}

impl Dictionary {
    /// The code of `s`, adding it if new.
    ///
    /// Inlined into the caller's row loop for the common case, the same value as the last call's
    /// (a short text compared as three words); the rest is a call.
    #[inline]
    pub fn code(&mut self, s: &str) -> u32 {
        let b = s.as_bytes();
        let key = short_key(b);
        if same_key(&key, &self.last_key) && key[0] != LONG {
            return self.last_code;
        }
        self.code_slow(s, key[0], key[1], key[2])
    }

    /// [`Dictionary::code`] past its first comparison; `k0, k1, k2` are `short_key(s)`. The
    /// key comes as three words in registers: passed as an array it went through the caller's
    /// stack as three 8-byte stores and was read back as a 16-byte load, a store-forwarding
    /// stall on every call (59% of this function's samples on the 1M bench).
    #[inline(never)]
    fn code_slow(&mut self, s: &str, k0: u64, k1: u64, k2: u64) -> u32 {
        let key = [k0, k1, k2];
        let b = s.as_bytes();
        let long = key[0] == LONG;
        if long && same_key(&key, &self.last_key) && same(self.names[self.last_code as usize].as_bytes(), b) {
            return self.last_code;
        }
        // a few names (categories, channels): a scan is cheaper than hashing
        if self.names.len() <= SMALL_DICTIONARY {
            let found = if long {
                self.names.iter().position(|n| same(n.as_bytes(), b))
            } else {
                self.small.iter().position(|k| same_key(k, &key))
            };
            if let Some(k) = found {
                self.last_code = k as u32;
                self.last_key = key;
                return k as u32;
            }
            self.small.push(key);
        }
        let c = match self.codes.get(b) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.codes.insert(Key::new(s), c);
                self.names.push(s.to_string());
                c
            }
        };
        self.last_code = c;
        self.last_key = key;
        c
    }
}

/// Up to this many names, [`Dictionary::code`] scans them instead of hashing.
const SMALL_DICTIONARY: usize = 16;

/// First word of [`short_key`] for a text beyond 16 bytes (a short key's first word is its
/// length, at most 16): such texts share the key and are compared byte by byte.
const LONG: u64 = u64::MAX;

/// [`Dictionary::last_key`] before any code is given: equal to no text's key.
const NO_KEY: [u64; 3] = [u64::MAX - 1, 0, 0];

/// Text of up to 16 bytes as three words that are equal exactly when the texts are: the length
/// and two fixed-size, possibly overlapping, windows that together cover every byte (the first
/// and last 8 bytes from 8 bytes on, the first and last 4 from 4, else the bytes themselves).
/// `[LONG, 0, 0]` beyond 16 bytes. Fixed-size loads only: no loop, no call to `memcmp`.
#[inline]
fn short_key(b: &[u8]) -> [u64; 3] {
    let n = b.len();
    let word = |x: &[u8]| u64::from_le_bytes(x.try_into().unwrap_or_default());
    let half = |x: &[u8]| u64::from(u32::from_le_bytes(x.try_into().unwrap_or_default()));
    match n {
        8..=16 => [n as u64, word(&b[..8]), word(&b[n - 8..])],
        4..=7 => [n as u64, half(&b[..4]), half(&b[n - 4..])],
        0..=3 => [n as u64, b.iter().fold(0, |a, &x| (a << 8) | u64::from(x)), 0],
        _ => [LONG, 0, 0],
    }
}

/// Equality of two [`short_key`]s as scalar words: compared as arrays, the key went through the
/// stack into vector registers and its reload stalled on the three stores that wrote it.
#[inline]
fn same_key(a: &[u64; 3], b: &[u64; 3]) -> bool {
    ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2])) == 0
}

/// Byte equality without a `memcmp` call for the short strings ids and categories are.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && if a.len() <= 32 { a.iter().zip(b).all(|(x, y)| x == y) } else { a == b }
}

/// A dictionary key. Short strings (most customer ids, every category) sit inline in the hash
/// table's slot, so a lookup compares them without following a pointer to a heap string: on a
/// log in time order, where consecutive rows have different customers, that pointer was a
/// cache miss per row (the lookup and its `memcmp` were a quarter of the run's cycles on the
/// 11.9M-row log). Longer strings are boxed. Hashes and compares as its bytes, so a map of keys
/// is looked up with a `&[u8]`.
#[derive(Debug, Clone)]
enum Key {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<[u8]>),
}

/// Longest key kept inline (the enum is then 24 bytes, the size of a `String`).
const INLINE: usize = 22;

impl Key {
    fn new(s: &str) -> Key {
        let b = s.as_bytes();
        if b.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..b.len()].copy_from_slice(b);
            Key::Inline { len: b.len() as u8, bytes }
        } else {
            Key::Boxed(b.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Boxed(b) => b,
        }
    }
}

impl Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Key {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short keys are equal exactly when the texts are: every text of up to 4 bytes over a small
    /// alphabet, and texts of 4 to 17 bytes differing in one byte at each position.
    #[test]
    fn short_keys_tell_texts_apart() {
        let alphabet = [0u8, b'a', b'b', 0xff];
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=4 {
            let mut next = Vec::new();
            for t in texts.iter().filter(|t| t.len() == len - 1) {
                for &c in &alphabet {
                    let mut u = t.clone();
                    u.push(c);
                    next.push(u);
                }
            }
            texts.extend(next);
        }
        for len in 4..=17 {
            let base: Vec<u8> = (0..len as u8).map(|i| b'a' + i).collect();
            for at in 0..len {
                let mut t = base.clone();
                t[at] = b'#';
                texts.push(t);
            }
            texts.push(base);
        }
        let mut seen = std::collections::HashMap::new();
        for t in &texts {
            let k = short_key(t);
            assert_ne!(k, NO_KEY);
            if k[0] == LONG {
                assert!(t.len() > 16, "{t:?}");
            } else {
                assert_eq!(seen.insert(k, t.clone()).filter(|prev| prev != t), None, "{t:?}");
            }
        }
    }

    #[test]
    fn codes_follow_first_appearance_for_short_long_and_non_ascii_names() {
        let long = "x".repeat(INLINE + 1);
        let edge = "y".repeat(INLINE);
        let mut d = Dictionary::default();
        let names = ["", "a", &edge, &long, "客户甲", "b", "a", &long, &edge, "客户甲", ""];
        // more than the small-dictionary scan, so the hash map is used too
        let many: Vec<String> = (0..40).map(|i| format!("id{i}")).collect();
        let mut codes: Vec<u32> = names.iter().map(|n| d.code(n)).collect();
        codes.extend(many.iter().map(|n| d.code(n)));
        codes.extend(names.iter().rev().map(|n| d.code(n)));
        assert_eq!(&codes[..11], &[0, 1, 2, 3, 4, 5, 1, 3, 2, 4, 0]);
        assert_eq!(&codes[11..51], &(6..46).collect::<Vec<u32>>()[..]);
        assert_eq!(&codes[51..], &[0, 4, 2, 3, 1, 5, 4, 3, 2, 1, 0]);
        assert_eq!(d.names.len(), 46);
        assert_eq!(d.names[3], long);
        // a key is found by its bytes whatever way it was stored
        for n in [&long, &edge, "客户甲"] {
            assert_eq!(Key::new(n).as_bytes(), n.as_bytes());
            assert_eq!(d.codes.get(n.as_bytes()).copied(), d.names.iter().position(|m| m == n).map(|k| k as u32));
        }
    }
}

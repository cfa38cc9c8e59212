//! Strings to dense codes ([`Dictionary`]), the cleaner's per-partition id, category and
//! channel dictionaries.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Strings to dense codes, in order of first appearance.
#[derive(Debug, Default)]
pub struct Dictionary {
    codes: HashMap<Key, u32, foldhash::fast::FixedState>,
    /// The strings; `names[code]`.
    pub names: Vec<String>,
    /// The last code given: consecutive rows often share a value (the lines of one order, a
    /// log sorted by customer), and one comparison is cheaper than a lookup.
    last: Option<u32>,
}

impl Dictionary {
    /// The code of `s`, adding it if new.
    pub fn code(&mut self, s: &str) -> u32 {
        if let Some(c) = self.last
            && same(self.names[c as usize].as_bytes(), s.as_bytes())
        {
            return c;
        }
        // a few names (categories, channels): a scan is cheaper than hashing
        if self.names.len() <= SMALL_DICTIONARY
            && let Some(k) = self.names.iter().position(|n| same(n.as_bytes(), s.as_bytes()))
        {
            self.last = Some(k as u32);
            return k as u32;
        }
        let c = match self.codes.get(s.as_bytes()) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.codes.insert(Key::new(s), c);
                self.names.push(s.to_string());
                c
            }
        };
        self.last = Some(c);
        c
    }
}

/// Up to this many names, [`Dictionary::code`] scans them instead of hashing.
const SMALL_DICTIONARY: usize = 16;

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

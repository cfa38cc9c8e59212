//! Word-at-a-time byte search (SWAR: SIMD within a register): eight bytes tested in a few
//! integer operations, for the CSV reader's delimiters and the CSV writer's quoting test.

/// `c` in every byte of a word.
pub(crate) const fn splat(c: u8) -> u64 {
    c as u64 * 0x0101_0101_0101_0101
}

/// The high bit of each byte of `w` that equals the byte splatted in `s`, and no other bit:
/// `x = w ^ s` is zero exactly in those bytes, and a byte of `x` is zero exactly when neither
/// its high bit nor (its low seven bits + 0x7f) reaches 0x80 (no carry crosses bytes).
pub(crate) const fn bytes_equal(w: u64, s: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ s;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_equal_marks_exactly_the_equal_bytes() {
        for target in [0u8, b',', b'\n', 0x7f, 0x80, 0xff] {
            for probe in 0..=255u8 {
                // the probe byte in every position, the others its neighbours (carries would show)
                for k in 0..8 {
                    let mut word = [probe.wrapping_add(1); 8];
                    word[k] = probe;
                    let got = bytes_equal(u64::from_le_bytes(word), splat(target));
                    let want: u64 = (0..8).filter(|&j| word[j] == target).map(|j| 0x80u64 << (8 * j)).sum();
                    assert_eq!(got, want, "target {target} probe {probe} at {k}");
                }
            }
        }
    }
}

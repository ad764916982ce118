//! `ln(1 − u)` of four uniform draws at once, bit for bit what `libm::log(1.0 - unit_of(bits))`
//! gives each: the exponential draw's transform, computed a batch at a time by
//! [`crate::sim::rng::Ahead`].
//!
//! The steps are `libm`'s `log` (FreeBSD's `e_log.c`) on its main path, in its order, with its
//! constants; only that path is needed, because `1 − u` of a 53-bit uniform `u` is a normal
//! number in [2⁻⁵³, 1], never zero, negative, subnormal, infinite or NaN (at 1 the main path
//! gives `+0.0`, as `log` does). Written lane by lane with no branch, the steps become vector
//! instructions (two lanes wide on any x86-64, four with AVX2, chosen when the program runs);
//! IEEE arithmetic gives every lane the same bits either way, and no step is fused (Rust never
//! contracts `a * b + c`). A test compares every lane with `libm::log` on both paths.
//!
//! Origin of the method and its constants: "Copyright (C) 1993 by Sun Microsystems, Inc. All
//! rights reserved. Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use,
//! copy, modify, and distribute this software is freely granted, provided that this notice is
//! preserved."

use super::unit_of;

/// Draws transformed per batch.
pub const LANES: usize = 4;

const LN2_HI: f64 = f64::from_bits(0x3fe62e42_fee00000); // 6.931_471_803_691_238_164_90e-1
const LN2_LO: f64 = f64::from_bits(0x3dea39ef_35793c76); // 1.908_214_929_270_587_700_02e-10
const LG1: f64 = f64::from_bits(0x3fe55555_55555593); // 6.666_666_666_666_735_130e-1
const LG2: f64 = f64::from_bits(0x3fd99999_9997fa04); // 3.999_999_999_940_941_908e-1
const LG3: f64 = f64::from_bits(0x3fd24924_94229359); // 2.857_142_874_366_239_149e-1
const LG4: f64 = f64::from_bits(0x3fcc71c5_1d8e78af); // 2.222_219_843_214_978_396e-1
const LG5: f64 = f64::from_bits(0x3fc74664_96cb03de); // 1.818_357_216_161_805_012e-1
const LG6: f64 = f64::from_bits(0x3fc39a09_d078c69f); // 1.531_383_769_920_937_332e-1
const LG7: f64 = f64::from_bits(0x3fc2f112_df3e5244); // 1.479_819_860_511_658_591e-1

/// `ln(1 − u)` of the uniform value of each of four draws of 64 bits.
pub fn ln_one_minus_units(bits: &[u64; LANES]) -> [f64; LANES] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: this CPU has AVX2 (checked just above).
        return unsafe { lanes_avx2(bits) };
    }
    lanes(bits)
}

/// [`lanes`] compiled for AVX2: four lanes in each vector instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn lanes_avx2(bits: &[u64; LANES]) -> [f64; LANES] {
    lanes(bits)
}

/// The main path of `log`, one lane per draw.
#[inline(always)]
fn lanes(bits: &[u64; LANES]) -> [f64; LANES] {
    let mut out = [0.0; LANES];
    for (o, &b) in out.iter_mut().zip(bits) {
        let ui = (1.0 - unit_of(b)).to_bits();
        // Reduce x into [√2/2, √2]: x = 2^k · (1 + f).
        let hx = ((ui >> 32) as u32).wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
        let k = (hx >> 20) as i32 - 0x3ff;
        let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
        let x = f64::from_bits((u64::from(hx) << 32) | (ui & 0xffff_ffff));
        let f = x - 1.0;
        let hfsq = 0.5 * f * f;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let t1 = w * (LG2 + w * (LG4 + w * LG6));
        let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
        let r = t2 + t1;
        let dk = f64::from(k);
        *o = s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lane is `libm::log(1 − u)` bit for bit, on the portable path and on the one this
    /// CPU runs: random draws, draws of every magnitude of `1 − u` (shifted bits), and the ends
    /// (`u` = 0, where the value is +0, and the largest `u`, where `1 − u` = 2⁻⁵³).
    #[test]
    fn every_lane_is_libms_log_bit_for_bit() {
        let mut edges = vec![0, 1 << 11, (1 << 11) - 1, u64::MAX, u64::MAX - (1 << 11)];
        edges.extend((0..64).map(|s| u64::MAX >> s));
        edges.extend((0..64).map(|s| 1u64 << s));
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let random = (0..400_000).map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x >> (i % 64)
        });
        let all: Vec<u64> = edges.into_iter().chain(random).collect();
        for chunk in all.chunks_exact(LANES) {
            let bits: [u64; LANES] = chunk.try_into().unwrap();
            let want = bits.map(|b| libm::log(1.0 - unit_of(b)).to_bits());
            assert_eq!(lanes(&bits).map(f64::to_bits), want, "{bits:x?}");
            assert_eq!(
                ln_one_minus_units(&bits).map(f64::to_bits),
                want,
                "{bits:x?}"
            );
        }
        assert_eq!(
            ln_one_minus_units(&[0; LANES])[0].to_bits(),
            0.0f64.to_bits()
        );
    }
}

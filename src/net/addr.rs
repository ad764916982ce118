//! Address arithmetic for exact reachability verdicts: inclusive IPv4 intervals, normalised sets
//! of them ([`AddrSet`]), the cut points that split a set into elementary intervals on which
//! every rule and route is constant, and the conversion back to CIDR blocks for display.

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// The inclusive address range `lo..=hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub lo: u32,
    pub hi: u32,
}

impl Interval {
    pub fn new(lo: u32, hi: u32) -> Interval {
        debug_assert!(lo <= hi);
        Interval { lo, hi }
    }

    pub fn of(net: Ipv4Net) -> Interval {
        Interval {
            lo: u32::from(net.network()),
            hi: u32::from(net.broadcast()),
        }
    }

    pub fn single(addr: Ipv4Addr) -> Interval {
        let a = u32::from(addr);
        Interval { lo: a, hi: a }
    }

    /// Number of addresses (up to 2^32, hence `u64`).
    pub fn size(self) -> u64 {
        u64::from(self.hi - self.lo) + 1
    }

    /// The smallest list of CIDR blocks covering exactly this interval, in address order.
    pub fn to_cidrs(self) -> Vec<Ipv4Net> {
        let mut out = Vec::new();
        let mut lo = u64::from(self.lo);
        let end = u64::from(self.hi) + 1;
        while lo < end {
            // The largest aligned block starting at `lo` that fits before `end`.
            let align = if lo == 0 {
                32
            } else {
                lo.trailing_zeros().min(32)
            };
            let mut size = align;
            while (1u64 << size) > end - lo {
                size -= 1;
            }
            let prefix = 32 - size as u8;
            let net =
                Ipv4Net::new(Ipv4Addr::from(lo as u32), prefix).expect("prefix is at most 32");
            out.push(net);
            lo += 1u64 << size;
        }
        out
    }
}

/// A set of IPv4 addresses as sorted, disjoint, non-adjacent intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AddrSet {
    intervals: Vec<Interval>,
}

impl AddrSet {
    pub fn empty() -> AddrSet {
        AddrSet::default()
    }

    pub fn from_intervals(items: impl IntoIterator<Item = Interval>) -> AddrSet {
        let mut v: Vec<Interval> = items.into_iter().collect();
        v.sort();
        let mut out: Vec<Interval> = Vec::with_capacity(v.len());
        for iv in v {
            match out.last_mut() {
                Some(last) if u64::from(iv.lo) <= u64::from(last.hi) + 1 => {
                    last.hi = last.hi.max(iv.hi);
                }
                _ => out.push(iv),
            }
        }
        AddrSet { intervals: out }
    }

    pub fn from_cidrs<'a>(nets: impl IntoIterator<Item = &'a Ipv4Net>) -> AddrSet {
        AddrSet::from_intervals(nets.into_iter().map(|n| Interval::of(*n)))
    }

    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// Number of addresses in the set.
    pub fn len(&self) -> u64 {
        self.intervals.iter().map(|i| i.size()).sum()
    }

    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        let a = u32::from(addr);
        let i = self.intervals.partition_point(|iv| iv.hi < a);
        self.intervals.get(i).is_some_and(|iv| iv.lo <= a)
    }

    /// The lowest address, if any.
    pub fn first(&self) -> Option<Ipv4Addr> {
        self.intervals.first().map(|iv| Ipv4Addr::from(iv.lo))
    }

    pub fn union(&self, other: &AddrSet) -> AddrSet {
        AddrSet::from_intervals(self.intervals.iter().chain(other.intervals.iter()).copied())
    }

    /// Addresses of `self` that are not in `other`.
    pub fn difference(&self, other: &AddrSet) -> AddrSet {
        let mut out = Vec::new();
        let mut j = 0;
        for iv in &self.intervals {
            let mut lo = u64::from(iv.lo);
            let hi = u64::from(iv.hi);
            while j < other.intervals.len() && u64::from(other.intervals[j].hi) < lo {
                j += 1;
            }
            let mut k = j;
            while lo <= hi {
                match other.intervals.get(k) {
                    Some(o) if u64::from(o.lo) <= hi => {
                        if u64::from(o.lo) > lo {
                            out.push(Interval::new(lo as u32, o.lo - 1));
                        }
                        lo = u64::from(o.hi) + 1;
                        k += 1;
                    }
                    _ => {
                        out.push(Interval::new(lo as u32, hi as u32));
                        break;
                    }
                }
            }
        }
        AddrSet { intervals: out }
    }

    pub fn intersection(&self, other: &AddrSet) -> AddrSet {
        self.difference(&self.difference(other))
    }

    /// The set as CIDR blocks, in address order.
    pub fn to_cidrs(&self) -> Vec<Ipv4Net> {
        self.intervals.iter().flat_map(|iv| iv.to_cidrs()).collect()
    }
}

impl fmt::Display for AddrSet {
    /// CIDR blocks separated by spaces (`-` for the empty set).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        for (i, net) in self.to_cidrs().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{net}")?;
        }
        Ok(())
    }
}

/// Points where a new elementary interval starts: the first address of every block that matters
/// and the address just after its last one.
#[derive(Debug, Clone, Default)]
pub struct Cuts {
    starts: Vec<u32>,
}

impl Cuts {
    pub fn new<'a>(nets: impl IntoIterator<Item = &'a Ipv4Net>) -> Cuts {
        let mut starts = Vec::new();
        for net in nets {
            let iv = Interval::of(*net);
            starts.push(iv.lo);
            if let Some(next) = iv.hi.checked_add(1) {
                starts.push(next);
            }
        }
        starts.sort_unstable();
        starts.dedup();
        Cuts { starts }
    }

    /// Splits every interval of `set` at the cut points. Inside one returned interval, every
    /// block given to [`Cuts::new`] either contains all of it or none of it.
    pub fn split(&self, set: &AddrSet) -> Vec<Interval> {
        self.split_all(set.intervals())
    }

    /// Splits each of `intervals` at the cut points.
    pub fn split_all(&self, intervals: &[Interval]) -> Vec<Interval> {
        let mut out = Vec::new();
        for iv in intervals {
            let mut lo = iv.lo;
            let first = self.starts.partition_point(|&s| s <= iv.lo);
            for &s in self.starts[first..].iter().take_while(|&&s| s <= iv.hi) {
                out.push(Interval::new(lo, s - 1));
                lo = s;
            }
            out.push(Interval::new(lo, iv.hi));
        }
        out
    }
}

/// For a list of blocks, which of them contain a given address, longest prefix first (list
/// order among equal prefixes): a binary search over the elementary intervals the blocks cut.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoverIndex {
    /// Sorted starts of the elementary intervals; the first is 0.
    starts: Vec<u32>,
    /// `items[offsets[i]..offsets[i + 1]]` are the blocks containing interval `i`.
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl CoverIndex {
    pub fn new(blocks: &[Ipv4Net]) -> CoverIndex {
        let mut starts = vec![0];
        starts.extend(Cuts::new(blocks).starts.iter().copied().filter(|&s| s != 0));
        let mut offsets = Vec::with_capacity(starts.len() + 1);
        let mut items = Vec::new();
        let mut order: Vec<u32> = (0..blocks.len() as u32).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(blocks[i as usize].prefix_len()));
        for &start in &starts {
            offsets.push(items.len() as u32);
            let x = Ipv4Addr::from(start);
            items.extend(
                order
                    .iter()
                    .copied()
                    .filter(|&i| blocks[i as usize].contains(&x)),
            );
        }
        offsets.push(items.len() as u32);
        CoverIndex {
            starts,
            offsets,
            items,
        }
    }

    /// Indices of the blocks containing `x`, longest prefix first.
    pub fn covering(&self, x: Ipv4Addr) -> &[u32] {
        let i = self.starts.partition_point(|&s| s <= u32::from(x)) - 1;
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

fn net(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::new(a, b, c, d), len).expect("constant prefix is valid")
}

/// The ranges a client LAN must lie in to keep LAN access while connected (guide: "Rules and
/// best practices for using AWS Client VPN"; "Routing traffic to LAN not working as expected").
pub fn lan_private_ranges() -> [Ipv4Net; 4] {
    [
        net(10, 0, 0, 0, 8),
        net(172, 16, 0, 0, 12),
        net(192, 168, 0, 0, 16),
        net(169, 254, 0, 0, 16),
    ]
}

/// Whether a client LAN range lies inside one of [`lan_private_ranges`].
pub fn lan_is_private(lan: Ipv4Net) -> bool {
    lan_private_ranges().iter().any(|r| r.contains(&lan))
}

/// Special-purpose blocks that are not part of the public internet (IANA IPv4 special-purpose
/// registry, RFC 6890): private and shared ranges, loopback, link-local, documentation,
/// benchmarking, multicast and reserved space. The `internet` network is evaluated as
/// `0.0.0.0/0` without these.
pub fn non_public_ranges() -> Vec<Ipv4Net> {
    vec![
        net(0, 0, 0, 0, 8),
        net(10, 0, 0, 0, 8),
        net(100, 64, 0, 0, 10),
        net(127, 0, 0, 0, 8),
        net(169, 254, 0, 0, 16),
        net(172, 16, 0, 0, 12),
        net(192, 0, 0, 0, 24),
        net(192, 0, 2, 0, 24),
        net(192, 168, 0, 0, 16),
        net(198, 18, 0, 0, 15),
        net(198, 51, 100, 0, 24),
        net(203, 0, 113, 0, 24),
        net(224, 0, 0, 0, 4),
        net(240, 0, 0, 0, 4),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    fn set(items: &[&str]) -> AddrSet {
        AddrSet::from_intervals(items.iter().map(|s| Interval::of(n(s))))
    }

    #[test]
    fn merges_adjacent_and_overlapping_blocks() {
        let s = set(&["10.0.1.0/24", "10.0.0.0/24", "10.0.0.128/25"]);
        assert_eq!(s.to_cidrs(), vec![n("10.0.0.0/23")]);
        assert_eq!(s.len(), 512);
    }

    #[test]
    fn difference_punches_holes() {
        let s = set(&["10.0.0.0/16"]).difference(&set(&["10.0.2.119/32"]));
        assert_eq!(s.len(), 65_535);
        assert!(!s.contains("10.0.2.119".parse().unwrap()));
        assert!(s.contains("10.0.2.118".parse().unwrap()));
        assert!(s.contains("10.0.2.120".parse().unwrap()));
        let back = s.union(&set(&["10.0.2.119/32"]));
        assert_eq!(back.to_cidrs(), vec![n("10.0.0.0/16")]);
    }

    #[test]
    fn difference_at_the_ends_of_the_address_space() {
        let all = set(&["0.0.0.0/0"]);
        let s = all.difference(&set(&["0.0.0.0/8", "255.255.255.255/32"]));
        assert_eq!(s.intervals(), &[Interval::new(0x0100_0000, 0xFFFF_FFFE)]);
        assert_eq!(all.difference(&all), AddrSet::empty());
        assert_eq!(all.len(), 1u64 << 32);
    }

    #[test]
    fn intersection_keeps_common_part() {
        let a = set(&["10.0.0.0/16"]);
        let b = set(&["10.0.255.0/24", "10.1.0.0/24"]);
        assert_eq!(a.intersection(&b).to_cidrs(), vec![n("10.0.255.0/24")]);
    }

    #[test]
    fn interval_to_cidrs_is_minimal() {
        let iv = Interval::new(
            u32::from(Ipv4Addr::new(10, 0, 0, 1)),
            u32::from(Ipv4Addr::new(10, 0, 0, 6)),
        );
        let got: Vec<String> = iv.to_cidrs().iter().map(|c| c.to_string()).collect();
        assert_eq!(
            got,
            ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
        );
        assert_eq!(
            Interval::of(n("0.0.0.0/0")).to_cidrs(),
            vec![n("0.0.0.0/0")]
        );
    }

    #[test]
    fn cuts_split_on_every_block_boundary() {
        let cuts = Cuts::new(&[n("10.0.0.0/16"), n("10.0.2.119/32"), n("0.0.0.0/0")]);
        let parts = cuts.split(&set(&["10.0.0.0/8"]));
        let got: Vec<(Ipv4Addr, Ipv4Addr)> = parts
            .iter()
            .map(|iv| (Ipv4Addr::from(iv.lo), Ipv4Addr::from(iv.hi)))
            .collect();
        assert_eq!(
            got,
            [
                ("10.0.0.0".parse().unwrap(), "10.0.2.118".parse().unwrap()),
                ("10.0.2.119".parse().unwrap(), "10.0.2.119".parse().unwrap()),
                (
                    "10.0.2.120".parse().unwrap(),
                    "10.0.255.255".parse().unwrap()
                ),
                (
                    "10.1.0.0".parse().unwrap(),
                    "10.255.255.255".parse().unwrap()
                ),
            ]
        );
    }

    #[test]
    fn cover_index_lists_containing_blocks_longest_first() {
        let blocks = [
            n("0.0.0.0/0"),
            n("10.0.0.0/16"),
            n("10.0.2.119/32"),
            n("10.0.0.0/16"),
        ];
        let idx = CoverIndex::new(&blocks);
        assert_eq!(idx.covering("10.0.2.119".parse().unwrap()), &[2, 1, 3, 0]);
        assert_eq!(idx.covering("10.0.2.120".parse().unwrap()), &[1, 3, 0]);
        assert_eq!(idx.covering("10.1.0.0".parse().unwrap()), &[0]);
        assert_eq!(idx.covering("255.255.255.255".parse().unwrap()), &[0]);
        let empty = CoverIndex::new(&[]);
        assert!(empty.covering("1.2.3.4".parse().unwrap()).is_empty());
        let one = CoverIndex::new(&[n("192.168.0.0/24")]);
        assert!(one.covering("192.167.255.255".parse().unwrap()).is_empty());
        assert_eq!(one.covering("192.168.0.0".parse().unwrap()), &[0]);
        assert!(one.covering("192.168.1.0".parse().unwrap()).is_empty());
    }

    #[test]
    fn lan_private_check_follows_the_guide_ranges() {
        // Guide: "Rules and best practices for using AWS Client VPN" (TunnelCrack LAN rule).
        assert!(lan_is_private(n("192.168.1.0/24")));
        assert!(lan_is_private(n("172.31.0.0/16")));
        assert!(lan_is_private(n("169.254.0.0/16")));
        assert!(!lan_is_private(n("100.64.1.0/24")));
        assert!(!lan_is_private(n("172.32.0.0/24")));
        assert!(!lan_is_private(n("8.0.0.0/7")));
        // Straddling a private range's edge is not inside it.
        assert!(!lan_is_private(n("10.0.0.0/7")));
    }
}

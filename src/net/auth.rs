//! Authorization rules (guide: "AWS Client VPN authorization rules", "Key points for
//! understanding authorization rules"; docs/model.md §8.3).
//!
//! - Default deny: a destination is reachable only if a rule grants it; rules never restrict.
//! - Among the rules whose destination contains the address, excluding `0.0.0.0/0`, the longest
//!   prefix decides; rules of that same length form a union. Only when no such rule exists do
//!   the `0.0.0.0/0` rules decide, the same way ("processed last, regardless of the order").
//! - A rule grants either all users or one group; a user's groups beyond the quota (200th) are
//!   ignored (guide: "Users and groups quotas"). Mutual authentication carries no groups, so only
//!   all-users rules can grant (guide: "Restrict access based on user groups").
//! - Group-based rules are not supported for client-to-client traffic (guide: "Client-to-client
//!   access using Client VPN"): for a destination inside the client CIDR they are left out
//!   entirely, and only all-users rules decide.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::addr::CoverIndex;
use crate::model::{AuthorizationRule, Grant};

/// The groups a client presents, already truncated to the per-user quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    groups: Vec<String>,
    /// How many groups were dropped by the per-user quota.
    pub ignored: usize,
}

impl Groups {
    /// The first `quota` of `groups`.
    pub fn new(groups: &[String], quota: u32) -> Groups {
        let keep = groups.len().min(quota as usize);
        Groups {
            groups: groups[..keep].to_vec(),
            ignored: groups.len() - keep,
        }
    }

    /// No groups (mutual authentication).
    pub fn none() -> Groups {
        Groups {
            groups: Vec::new(),
            ignored: 0,
        }
    }

    pub fn contains(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.groups
    }

    /// Whether `rule` grants a member of these groups.
    pub fn granted_by(&self, rule: &AuthorizationRule) -> bool {
        match &rule.grant {
            Grant::AllGroups => true,
            Grant::Group(g) => self.contains(g),
        }
    }
}

/// How the authorization rules decided one destination address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthDecision {
    pub granted: bool,
    /// Prefix length of the deciding tier (`None`: no rule covers the address; default deny).
    pub level: Option<u8>,
    /// The rules of the deciding tier (indices into the rule list, in list order).
    pub tier: Vec<usize>,
    /// The rules of the tier that grant the client.
    pub granting: Vec<usize>,
    /// Shorter rules covering the address that would grant the client but are hidden by the
    /// deciding tier (non-empty only when access is denied).
    pub shadowed: Vec<usize>,
    /// The destination is in the client CIDR: group-based rules were left out.
    pub client_to_client: bool,
}

/// Decides access to `x` for a client presenting `groups`, scanning every rule.
pub fn authorize(
    rules: &[AuthorizationRule],
    groups: &Groups,
    x: Ipv4Addr,
    client_to_client: bool,
) -> AuthDecision {
    let mut covering: Vec<u32> = (0..rules.len() as u32)
        .filter(|&i| rules[i as usize].destination.contains(&x))
        .collect();
    covering.sort_by_key(|&i| std::cmp::Reverse(rules[i as usize].destination.prefix_len()));
    decide(rules, &covering, groups, client_to_client)
}

/// The rules indexed for repeated decisions: the same answers as [`authorize`], found by a
/// binary search instead of a scan.
#[derive(Debug, Clone)]
pub struct Authorizer<'a> {
    rules: &'a [AuthorizationRule],
    index: CoverIndex,
}

impl<'a> Authorizer<'a> {
    pub fn new(rules: &'a [AuthorizationRule]) -> Authorizer<'a> {
        let blocks: Vec<Ipv4Net> = rules.iter().map(|r| r.destination).collect();
        Authorizer {
            rules,
            index: CoverIndex::new(&blocks),
        }
    }

    pub fn authorize(&self, groups: &Groups, x: Ipv4Addr, client_to_client: bool) -> AuthDecision {
        decide(self.rules, self.index.covering(x), groups, client_to_client)
    }
}

/// The decision from the rules covering the address, longest prefix first (list order among
/// equal prefixes).
fn decide(
    rules: &[AuthorizationRule],
    covering: &[u32],
    groups: &Groups,
    client_to_client: bool,
) -> AuthDecision {
    let applies = |i: usize| !(client_to_client && matches!(rules[i].grant, Grant::Group(_)));
    let mut applicable = covering.iter().map(|&i| i as usize).filter(|&i| applies(i));
    // Longest prefix first, so the deciding level is the first rule's: a specific prefix, or 0
    // when only 0.0.0.0/0 rules cover the address.
    let level = applicable
        .clone()
        .next()
        .map(|i| rules[i].destination.prefix_len());
    let at_level = |i: &usize| Some(rules[*i].destination.prefix_len()) == level;
    let tier: Vec<usize> = applicable.by_ref().take_while(at_level).collect();
    let granting: Vec<usize> = tier
        .iter()
        .copied()
        .filter(|&i| groups.granted_by(&rules[i]))
        .collect();
    let granted = !granting.is_empty();
    let shadowed = if granted {
        Vec::new()
    } else {
        let mut hidden: Vec<usize> = covering
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| applies(i) && !at_level(&i) && groups.granted_by(&rules[i]))
            .collect();
        hidden.sort_unstable();
        hidden
    };
    AuthDecision {
        granted,
        level,
        tier,
        granting,
        shadowed,
        client_to_client,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(dest: &str, grant: Option<&str>) -> AuthorizationRule {
        AuthorizationRule {
            destination: dest.parse().unwrap(),
            grant: grant.map_or(Grant::AllGroups, |g| Grant::Group(g.to_string())),
            description: None,
        }
    }

    fn groups(names: &[&str]) -> Groups {
        let v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        Groups::new(&v, 200)
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    // Guide: "Troubleshooting AWS Client VPN: Authorization rules for Active Directory groups not
    // working as expected" — five rules, 0.0.0.0/0 evaluated last.
    fn troubleshooting_rules() -> Vec<AuthorizationRule> {
        vec![
            rule("10.1.0.0/16", Some("group1")),
            rule("0.0.0.0/0", Some("group1")),
            rule("0.0.0.0/0", Some("group2")),
            rule("0.0.0.0/0", Some("group3")),
            rule("172.131.0.0/16", Some("group2")),
        ]
    }

    #[test]
    fn troubleshooting_ad_groups_zero_route_is_evaluated_last() {
        let rules = troubleshooting_rules();
        let (g1, g2, g3) = (
            groups(&["group1"]),
            groups(&["group2"]),
            groups(&["group3"]),
        );
        let a = ip("10.1.2.3");
        let b = ip("172.131.9.9");
        let elsewhere = ip("52.1.2.3");
        // Group 1 has access to 10.1.0.0/16 only (of the two specific networks).
        assert!(authorize(&rules, &g1, a, false).granted);
        assert!(!authorize(&rules, &g1, b, false).granted);
        // Group 2 has access to 172.131.0.0/16 only.
        assert!(!authorize(&rules, &g2, a, false).granted);
        assert!(authorize(&rules, &g2, b, false).granted);
        // Group 3 has neither, but has access to all other networks.
        assert!(!authorize(&rules, &g3, a, false).granted);
        assert!(!authorize(&rules, &g3, b, false).granted);
        for g in [&g1, &g2, &g3] {
            assert!(authorize(&rules, g, elsewhere, false).granted);
        }
        // "If you remove Rules 1 and 5, all three groups have access to all networks."
        let trimmed: Vec<AuthorizationRule> = rules[1..4].to_vec();
        for g in [&g1, &g2, &g3] {
            for x in [a, b, elsewhere] {
                assert!(authorize(&trimmed, g, x, false).granted);
            }
        }
    }

    #[test]
    fn denial_reports_the_hiding_tier_and_the_shadowed_rule() {
        let rules = troubleshooting_rules();
        let d = authorize(&rules, &groups(&["group3"]), ip("10.1.0.1"), false);
        assert_eq!(d.level, Some(16));
        assert_eq!(d.tier, vec![0]);
        assert_eq!(d.shadowed, vec![3]);
    }

    #[test]
    fn default_deny_without_any_rule() {
        // Guide: "Key points for understanding authorization rules" — the default is deny.
        let d = authorize(&[], &groups(&["g"]), ip("10.0.0.1"), false);
        assert!(!d.granted);
        assert_eq!(d.level, None);
        assert!(d.tier.is_empty() && d.shadowed.is_empty());
    }

    #[test]
    fn groups_beyond_the_quota_are_ignored() {
        // Guide: "Users and groups quotas" — groups after the 200th are ignored.
        let mut names: Vec<String> = (0..200).map(|i| format!("filler-{i}")).collect();
        names.push("S-late".to_string());
        let g = Groups::new(&names, 200);
        assert_eq!(g.ignored, 1);
        let rules = vec![rule("10.0.0.0/16", Some("S-late"))];
        assert!(!authorize(&rules, &g, ip("10.0.0.1"), false).granted);
        names.swap(0, 200);
        let g = Groups::new(&names, 200);
        assert!(authorize(&rules, &g, ip("10.0.0.1"), false).granted);
    }

    #[test]
    fn group_rules_do_not_apply_to_client_to_client() {
        // Guide: "Client-to-client access using Client VPN" — group-based rules are not
        // supported for this traffic; an all-users rule for the client CIDR is.
        let g = groups(&["S-eng"]);
        let x = ip("10.100.0.7");
        let only_group = vec![rule("10.100.0.0/16", Some("S-eng"))];
        let d = authorize(&only_group, &g, x, true);
        assert!(!d.granted);
        assert_eq!(d.level, None);
        // The same rule grants when the address is not client-to-client.
        assert!(authorize(&only_group, &g, x, false).granted);
        let all_users = vec![rule("10.100.0.0/16", None)];
        assert!(authorize(&all_users, &g, x, true).granted);
        // A group rule does not hide an all-users 0.0.0.0/0 rule for client-to-client traffic.
        let mixed = vec![
            rule("10.100.0.0/16", Some("S-other")),
            rule("0.0.0.0/0", None),
        ];
        assert!(authorize(&mixed, &g, x, true).granted);
    }
}

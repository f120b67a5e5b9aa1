//! Attribution: which variation, or which minimal set of interacting variations, makes the
//! build differ from the control. Pure: it only asks an oracle "does a build with this set
//! differ?", so it is tested without building anything.

use crate::Error;
use crate::variation::{Variation, VariationSet};

/// What one probe build showed, compared with the control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Same artifacts as the control.
    Same,
    /// Different artifacts.
    Differs,
    /// The build failed; the string says how.
    Failed(String),
}

/// The result of attribution.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Attribution {
    /// Variations that make the build differ on their own, in [`Variation`] order.
    pub single_causes: Vec<Variation>,
    /// When no variation does alone: a minimal set that does together (bisected).
    pub interacting: Option<VariationSet>,
    /// The build differs from the control even with no variation at all: intrinsic
    /// nondeterminism (randomness, threads, hash order); attribution stops there.
    pub nondeterministic: bool,
    /// Variations under which the build fails, with the failure.
    pub failing: Vec<(Variation, String)>,
    /// How many builds attribution ran.
    pub builds: usize,
}

impl Attribution {
    /// Every variation named as a cause (singles, or the interacting set).
    #[must_use]
    pub fn causes(&self) -> VariationSet {
        let mut set: VariationSet = self.single_causes.iter().copied().collect();
        for v in self.interacting.iter().flat_map(VariationSet::iter) {
            set.insert(v);
        }
        set
    }
}

/// Attributes a difference seen with all of `applied` to variations.
///
/// First a rebuild with no variation (nondeterminism check), then one build per variation;
/// when none differs alone, the set is bisected (halves first, then one removal at a time) to
/// a 1-minimal interacting set. `probe` runs a build with the given variations and compares it
/// with the control.
///
/// # Errors
/// Whatever `probe` returns (operational failures, not build failures: those are
/// [`Probe::Failed`]).
pub fn attribute(
    applied: &VariationSet,
    mut probe: impl FnMut(&VariationSet) -> Result<Probe, Error>,
) -> Result<Attribution, Error> {
    let mut out = Attribution::default();
    let mut counted = |set: &VariationSet, out: &mut Attribution| {
        out.builds += 1;
        probe(set)
    };
    if counted(&VariationSet::none(), &mut out)? != Probe::Same {
        out.nondeterministic = true;
        return Ok(out);
    }
    for v in applied.iter() {
        match counted(&VariationSet::single(v), &mut out)? {
            Probe::Same => {}
            Probe::Differs => out.single_causes.push(v),
            Probe::Failed(why) => out.failing.push((v, why)),
        }
    }
    if out.single_causes.is_empty() && out.failing.is_empty() && applied.len() > 1 {
        let mut differs = |set: &VariationSet, out: &mut Attribution| -> Result<bool, Error> {
            Ok(counted(set, out)? == Probe::Differs)
        };
        out.interacting = Some(minimize(applied.clone(), &mut differs, &mut out)?);
    }
    Ok(out)
}

/// Shrinks `set`, known to differ, to a 1-minimal differing subset.
fn minimize(
    mut set: VariationSet,
    differs: &mut impl FnMut(&VariationSet, &mut Attribution) -> Result<bool, Error>,
    out: &mut Attribution,
) -> Result<VariationSet, Error> {
    // Bisect while one half alone still differs.
    while set.len() > 2 {
        let items: Vec<Variation> = set.iter().collect();
        let (left, right) = items.split_at(items.len() / 2);
        let left: VariationSet = left.iter().copied().collect();
        let right: VariationSet = right.iter().copied().collect();
        if differs(&left, out)? {
            set = left;
        } else if differs(&right, out)? {
            set = right;
        } else {
            break;
        }
    }
    // The halves interact: drop one variation at a time while the rest still differs.
    for v in set.clone().iter() {
        if set.len() <= 2 {
            break;
        }
        let mut smaller = set.clone();
        smaller.remove(v);
        if differs(&smaller, out)? {
            set = smaller;
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle(
        rule: impl Fn(&VariationSet) -> bool,
    ) -> impl FnMut(&VariationSet) -> Result<Probe, Error> {
        move |s| Ok(if rule(s) { Probe::Differs } else { Probe::Same })
    }

    #[test]
    fn names_each_variation_that_differs_on_its_own() {
        let a = attribute(
            &VariationSet::all(),
            oracle(|s| s.contains(Variation::WallClock) || s.contains(Variation::BuildPath)),
        )
        .unwrap();
        assert_eq!(
            a.single_causes,
            vec![Variation::BuildPath, Variation::WallClock]
        );
        assert_eq!(a.interacting, None);
        assert_eq!(a.builds, 1 + Variation::ALL.len());
    }

    #[test]
    fn bisects_to_a_pair_that_only_differs_together() {
        let a = attribute(
            &VariationSet::all(),
            oracle(|s| s.contains(Variation::Timezone) && s.contains(Variation::FileOrdering)),
        )
        .unwrap();
        assert!(a.single_causes.is_empty());
        let pair: VariationSet = [Variation::Timezone, Variation::FileOrdering]
            .into_iter()
            .collect();
        assert_eq!(a.interacting, Some(pair));
    }

    #[test]
    fn bisects_to_a_triple_that_only_differs_together() {
        let need = [Variation::BuildPath, Variation::Umask, Variation::Aslr];
        let a = attribute(
            &VariationSet::all(),
            oracle(move |s| need.iter().all(|v| s.contains(*v))),
        )
        .unwrap();
        assert_eq!(a.interacting, Some(need.into_iter().collect()));
    }

    #[test]
    fn stops_at_nondeterminism_when_a_plain_rebuild_differs() {
        let a = attribute(&VariationSet::all(), oracle(|_| true)).unwrap();
        assert!(a.nondeterministic);
        assert_eq!(a.builds, 1);
    }

    #[test]
    fn records_variations_under_which_the_build_fails() {
        let a = attribute(
            &VariationSet::single(Variation::Home),
            |s: &VariationSet| {
                Ok(if s.is_empty() {
                    Probe::Same
                } else {
                    Probe::Failed("exit 1".into())
                })
            },
        )
        .unwrap();
        assert_eq!(a.failing, vec![(Variation::Home, "exit 1".to_owned())]);
    }
}

//! The order diagnoses run in: each one after the diagnoses whose decisions it reads
//! ([`Diagnosis::reads`]), and otherwise in the order they are listed.

use super::Diagnosis;

/// Positions in `rules` in the order they run: a stable topological sort of their declared reads (of the
/// rules whose reads are all decided, the one listed first runs next), or, when some rules read each other in
/// a cycle, the ids of the rules left over. A read naming no rule in the list waits for nothing.
pub fn dependency_order(rules: &[Box<dyn Diagnosis>]) -> Result<Vec<usize>, Vec<&'static str>> {
    let (order, left) = stable_order(rules);
    if left.is_empty() {
        Ok(order)
    } else {
        Err(left.into_iter().map(|i| rules[i].id()).collect())
    }
}

/// `rules` in the order they run (see [`dependency_order`]). A cycle does not stop a run: the rules left over
/// run last, in list order (the registry's tests rule cycles out).
pub fn in_dependency_order(rules: Vec<Box<dyn Diagnosis>>) -> Vec<Box<dyn Diagnosis>> {
    let (mut order, left) = stable_order(&rules);
    order.extend(left);
    let mut slots: Vec<Option<Box<dyn Diagnosis>>> = rules.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).collect()
}

/// The positions that can be ordered, in order, and those that cannot (a cycle), in list order.
fn stable_order(rules: &[Box<dyn Diagnosis>]) -> (Vec<usize>, Vec<usize>) {
    let mut placed = vec![false; rules.len()];
    let mut order = Vec::with_capacity(rules.len());
    let waits = |reader: usize, placed: &[bool]| {
        rules[reader]
            .reads()
            .iter()
            .any(|id| rules.iter().enumerate().any(|(j, r)| j != reader && r.id() == *id && !placed[j]))
    };
    while let Some(next) = (0..rules.len()).find(|&i| !placed[i] && !waits(i, &placed)) {
        placed[next] = true;
        order.push(next);
    }
    let left = (0..rules.len()).filter(|&i| !placed[i]).collect();
    (order, left)
}

//! "Did you mean": the catalogue names closest to one that was not found.

/// How many suggestions are offered.
const SUGGESTIONS: usize = 3;

/// Up to three of `names` closest to `asked` (by edit distance, any case), nearest first;
/// names that contain what was asked count as close. Far-off names are not offered.
pub fn closest<'a>(asked: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let asked = asked.trim().to_ascii_lowercase();
    // A typo budget that grows with the word: one slip per three letters, at least two.
    let budget = (asked.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            let distance = if !asked.is_empty() && lower.contains(&asked) {
                1
            } else {
                edit_distance(&asked, &lower)
            };
            (distance <= budget).then_some((distance, name))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1.eq_ignore_ascii_case(b.1));
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

/// Levenshtein distance over characters, in one row of memory.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("state", "stat"), 1);
        assert_eq!(edit_distance("nonce", "nounce"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_names_come_first_and_far_ones_not_at_all() {
        let names = [
            "state",
            "scope",
            "nonce",
            "code_challenge",
            "code_challenge_method",
        ];
        assert_eq!(closest("stat", names.into_iter()), ["state"]);
        assert_eq!(
            closest("challenge", names.into_iter()),
            ["code_challenge", "code_challenge_method"]
        );
        assert!(closest("zzzzzzzz", names.into_iter()).is_empty());
    }
}

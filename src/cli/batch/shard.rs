//! Sharding: a batch split over N workers (a Kubernetes indexed job, say) by a stable hash of each input's
//! id, so that every input falls in exactly one shard whatever the machine or the run.

use anyhow::{bail, Result};

/// The shard a run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl Shard {
    /// The shard from `--shard-index`/`--shard-count`; the index defaults to `job_index`
    /// (`JOB_COMPLETION_INDEX`) when only the count is given. `None`: no sharding.
    pub fn from_flags(
        index: Option<u64>,
        count: Option<u64>,
        job_index: Option<&str>,
    ) -> Result<Option<Shard>> {
        let Some(count) = count else {
            if index.is_some() {
                bail!("--shard-index needs --shard-count");
            }
            return Ok(None);
        };
        if count == 0 {
            bail!("--shard-count must be at least 1");
        }
        let index = match (index, job_index) {
            (Some(i), _) => i,
            (None, Some(text)) => text.trim().parse().map_err(|_| {
                anyhow::anyhow!("JOB_COMPLETION_INDEX `{text}` is not a number; give --shard-index")
            })?,
            (None, None) => bail!("--shard-count needs --shard-index (or JOB_COMPLETION_INDEX)"),
        };
        if index >= count {
            bail!("--shard-index {index} is not below --shard-count {count}");
        }
        Ok(Some(Shard { index, count }))
    }

    /// True when the input of this key belongs to this shard.
    pub fn keeps(&self, key: &str) -> bool {
        fnv1a(key.as_bytes()) % self.count == self.index
    }
}

/// 64-bit FNV-1a: small, and the same everywhere.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn every_key_falls_in_exactly_one_shard() {
        let keys: Vec<String> = (0..200).map(|i| format!("bundle-{i}.zip")).collect();
        let shards: Vec<Shard> = (0..3).map(|index| Shard { index, count: 3 }).collect();
        for key in &keys {
            assert_eq!(shards.iter().filter(|s| s.keeps(key)).count(), 1, "{key}");
        }
        assert!(shards.iter().all(|s| keys.iter().any(|k| s.keeps(k))), "a shard is empty");
    }

    #[test]
    fn the_index_defaults_from_the_job_index_and_is_checked() {
        assert_eq!(Shard::from_flags(None, Some(4), Some("2")).unwrap(), Some(Shard { index: 2, count: 4 }));
        assert_eq!(
            Shard::from_flags(Some(1), Some(4), Some("2")).unwrap(),
            Some(Shard { index: 1, count: 4 })
        );
        assert_eq!(Shard::from_flags(None, None, Some("2")).unwrap(), None);
        assert!(Shard::from_flags(Some(4), Some(4), None).is_err());
        assert!(Shard::from_flags(None, Some(4), None).is_err());
        assert!(Shard::from_flags(None, Some(0), None).is_err());
        assert!(Shard::from_flags(Some(0), None, None).is_err());
    }
}

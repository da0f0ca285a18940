//! Message priorities and the mailbox lanes they map onto.

use std::fmt;

/// The priority of a message: which mailbox lane it waits in.
///
/// Lanes are served in strict order by default (`Critical` first); within a lane messages from one
/// sender keep their order. Alys maps consensus traffic to `Critical`, bridge and federation work to
/// `High`, network gossip to `Normal` and everything else to `Background`.
///
/// ```
/// use actor_system_runtime::Priority;
///
/// assert!(Priority::Critical > Priority::Background);
/// assert_eq!(Priority::default(), Priority::Normal);
/// assert_eq!("high".parse::<Priority>(), Ok(Priority::High));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Priority {
    /// Never waits behind anything else: consensus, block production.
    Critical,
    /// Bridge and federation operations.
    High,
    /// Ordinary traffic (network gossip); the default.
    #[default]
    Normal,
    /// Work that may wait: sync, housekeeping, metrics.
    Background,
}

impl Priority {
    /// Every priority, highest first (the order in which lanes are served).
    pub const ALL: [Priority; 4] = [
        Priority::Critical,
        Priority::High,
        Priority::Normal,
        Priority::Background,
    ];

    /// Index of this priority's lane: 0 for `Critical` up to 3 for `Background`.
    ///
    /// ```
    /// # use actor_system_runtime::Priority;
    /// assert_eq!(Priority::Critical.lane(), 0);
    /// assert_eq!(Priority::Background.lane(), 3);
    /// ```
    pub const fn lane(self) -> usize {
        self as usize
    }

    /// The priority whose lane has index `lane`, if any.
    ///
    /// ```
    /// # use actor_system_runtime::Priority;
    /// assert_eq!(Priority::from_lane(1), Some(Priority::High));
    /// assert_eq!(Priority::from_lane(4), None);
    /// ```
    pub const fn from_lane(lane: usize) -> Option<Priority> {
        match lane {
            0 => Some(Priority::Critical),
            1 => Some(Priority::High),
            2 => Some(Priority::Normal),
            3 => Some(Priority::Background),
            _ => None,
        }
    }

    /// Lower-case name, as used in metrics labels and configuration.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Background => "background",
        }
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Priority {
    /// Higher priority compares greater: `Critical > High > Normal > Background`.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.lane().cmp(&self.lane())
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `critical`, `high`, `normal`, `background`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown priority `{0}`: use one of critical, high, normal, background")]
pub struct ParsePriorityError(pub String);

impl std::str::FromStr for Priority {
    type Err = ParsePriorityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParsePriorityError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_round_trip_and_order() {
        for p in Priority::ALL {
            assert_eq!(Priority::from_lane(p.lane()), Some(p));
        }
        let mut sorted = Priority::ALL;
        sorted.sort();
        assert_eq!(
            sorted,
            [
                Priority::Background,
                Priority::Normal,
                Priority::High,
                Priority::Critical
            ]
        );
    }

    #[test]
    fn parse_rejects_unknown_names() {
        assert_eq!("CRITICAL".parse(), Ok(Priority::Critical));
        let err = "urgent".parse::<Priority>().unwrap_err();
        assert!(err
            .to_string()
            .contains("critical, high, normal, background"));
    }
}

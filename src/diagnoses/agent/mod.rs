//! Agent health: not running, outdated, configured not to run extensions, failing on its goal state,
//! protocol or certificates, a VM whose provisioning failed.

mod certificates;
mod config;
mod goal_state;
mod not_running;
mod outdated;
mod provisioning;
#[cfg(test)]
mod tests;

pub use certificates::CertificatesFailing;
pub use config::ConfigBlocksExtensions;
pub use goal_state::{GoalStateFailing, ProtocolNotReady};
pub use not_running::AgentNotRunning;
pub use outdated::AgentOutdated;
pub use provisioning::ProvisioningFailed;

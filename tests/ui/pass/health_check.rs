// The example from the issue: result and priority through the facade path.
use actor_system::{ActorError, Message, Priority};

#[derive(Debug, PartialEq)]
pub enum HealthStatus {
    Healthy,
}

#[derive(Message, Debug)]
#[message(result = "Result<HealthStatus, ActorError>", priority = "critical")]
pub struct HealthCheck;

fn main() {
    assert_eq!(<HealthCheck as Message>::PRIORITY, Priority::Critical);
    let ok: <HealthCheck as Message>::Result = Ok(HealthStatus::Healthy);
    assert_eq!(ok.ok(), Some(HealthStatus::Healthy));
}

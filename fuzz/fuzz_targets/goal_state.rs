#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{goal_state, lines::decode};

fuzz_target!(|data: &[u8]| {
    if let Ok(goal_state::GoalStateFile::GoalState(state)) = goal_state::parse(data) {
        let _ = state.role_instance();
    }
    let _ = goal_state::parse_hosting_environment(data);
    let _ = goal_state::parse_shared_config(data);
    let _ = goal_state::parse_history_dir_name(&decode(data));
});

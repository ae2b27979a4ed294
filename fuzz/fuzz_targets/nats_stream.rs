//! Any bytes as a sequence of NATS stream messages (split at 0xFF 0x00):
//! each is decoded and checked for order and window as a receiver would.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let messages: Vec<&[u8]> = data.split(|&b| b == 0xff).collect();
    let taken = actor_nats::__fuzzing::check_messages(&messages);
    assert!(taken <= messages.len());
});

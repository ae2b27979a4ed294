//! Any bytes as one frame's envelope header: a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = actor_remote::__fuzzing::decode_envelope(data);
});

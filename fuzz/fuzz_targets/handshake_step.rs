//! Any bytes as a later handshake frame (challenge, proof, welcome, refusal).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = actor_remote::__fuzzing::decode_handshake_step(data);
});

//! Any bytes as a connection's first frame (magic, version, hello).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = actor_remote::__fuzzing::decode_hello(data);
});

//! Any bytes as a stream split into frames, under a limit the input picks
//! (its first two bytes; see `actor_remote_fuzz::frames_input`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((limit, stream)) = actor_remote_fuzz::frames_input(data) {
        let _ = actor_remote::__fuzzing::decode_frames(stream, limit);
    }
});

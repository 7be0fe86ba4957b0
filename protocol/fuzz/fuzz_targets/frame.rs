//! The OCPP-J frame decoder, on any text a station could send: it never panics, and a frame it
//! accepts reads back the same from its own text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::Frame;

fuzz_target!(|text: &str| {
    let Ok(frame) = Frame::parse(text) else {
        return;
    };
    let again = Frame::parse(&frame.to_text()).expect("a frame's own text parses");
    assert_eq!(again.to_text(), frame.to_text(), "the text of {text:?} is stable");
    assert_eq!(again.id(), frame.id());
});

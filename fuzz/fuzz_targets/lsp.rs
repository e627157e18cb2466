//! The language server's message loop on arbitrary bytes as the client's input: no panic, the loop
//! ends (at `exit` or the end of the input) without an error, and all it writes is framed JSON-RPC.
#![no_main]

use libfuzzer_sys::fuzz_target;
use platc::ide::jsonrpc::{Frame, FrameReader};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    platc::ide::lsp::serve(std::io::Cursor::new(data.to_vec()), &mut out)
        .expect("streams in memory do not fail");
    let mut frames = FrameReader::new(&out[..]);
    loop {
        match frames.next_frame().expect("reading memory does not fail") {
            Frame::Eof => break,
            Frame::Body(body) => {
                let message: serde_json::Value =
                    serde_json::from_slice(&body).expect("the server writes JSON");
                assert_eq!(message["jsonrpc"], "2.0", "{message}");
            }
            Frame::Malformed(why) => panic!("the server wrote a bad frame: {why}"),
        }
    }
});

#![no_main]
//! The Telnet client machine on arbitrary server bytes in arbitrary
//! chunks, with TTYPE, NAWS, GMCP and MCCP2 allowed: never a panic, the
//! same events and answers whatever the chunking (data compared joined).

use libfuzzer_sys::fuzz_target;
use sanswire::telnet::{option, Client, Policy};

fn client() -> Client {
    let mut c = Client::new();
    c.set_terminal_types(&["XTERM-256COLOR", "XTERM"]).unwrap();
    c.set_window_size(80, 24).unwrap();
    for o in [option::GMCP, option::MSDP, option::MSSP, option::NEW_ENVIRON, option::LINEMODE] {
        c.set_policy(o, Policy::BOTH);
    }
    c
}

fuzz_target!(|data: &[u8]| {
    let (chunk, input) = sanswire_fuzz::plan(data);
    let whole = sanswire_fuzz::run_all(client(), input, input.len().max(1), |_, _| {}, |_| false);
    let cut = sanswire_fuzz::run_all(client(), input, chunk, |_, _| {}, |_| false);
    // How much of a corrupt compressed stream is decoded before the error
    // depends on the cut (see wire::codec); everything else may not.
    let corrupt = |r: &(Vec<String>, Vec<u8>, Vec<u8>)| r.0.last().is_some_and(|e| e.contains("MCCP2"));
    if !corrupt(&whole) && !corrupt(&cut) {
        assert_eq!(whole, cut);
    }
});

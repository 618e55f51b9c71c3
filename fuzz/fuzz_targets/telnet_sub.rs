#![no_main]
//! Every Telnet subnegotiation parser on arbitrary payloads: never a
//! panic, and what parses encodes to bytes that parse to the same value.

use libfuzzer_sys::fuzz_target;
use sanswire::telnet::sub::{self, Environ, Linemode};

fuzz_target!(|data: &[u8]| {
    let _ = sub::naws::parse(data);
    let _ = sub::parse_is_send(data);
    let _ = sub::parse_tspeed(data);
    let _ = sub::parse_gmcp(data);
    let _ = sub::parse_mssp(data, 64);
    if let Ok(env) = Environ::parse(data, 64) {
        assert_eq!(Environ::parse(&env.encode(), 64).as_ref(), Ok(&env));
    }
    if let Ok(vars) = sub::parse_msdp(data) {
        let mut wire = Vec::new();
        let encodable = vars
            .iter()
            .all(|(k, v)| sub::encode_msdp(&mut wire, k, v).is_some());
        if encodable {
            assert_eq!(sub::parse_msdp(&wire).unwrap(), vars);
        }
    }
    if let Ok(lm) = Linemode::parse(data) {
        assert_eq!(Linemode::parse(&lm.encode()), Ok(lm));
    }
});

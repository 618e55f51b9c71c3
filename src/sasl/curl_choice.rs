use super::Credentials;

/// The mechanisms curl 7.88 knows, strongest first, as it ranks them for
/// SMTP, POP3 and IMAP (`lib/curl_sasl.c`): EXTERNAL when there is no
/// password, CRAM-MD5, then with a bearer token OAUTHBEARER and XOAUTH2,
/// then PLAIN and LOGIN. (GSSAPI, DIGEST-MD5 and NTLM, which curl ranks
/// above CRAM-MD5, are not implemented here.)
pub const CURL_ORDER: [&str; 6] = [
    "EXTERNAL",
    "CRAM-MD5",
    "OAUTHBEARER",
    "XOAUTH2",
    "PLAIN",
    "LOGIN",
];

/// Picks the mechanism curl would: the first of [`CURL_ORDER`] that the
/// server offers, that these credentials can carry, that `allowed` permits
/// (`None` or `*`: any; else one name, as in curl's `;AUTH=NAME` and
/// `--login-options AUTH=NAME`) and that is not in `tried` (mechanisms
/// already cancelled, for curl's fallback). With a bearer token only the
/// OAuth mechanisms qualify, as with curl. Names compare without case.
///
/// ```
/// use sanswire::sasl::{choose_like_curl, Credentials};
/// let creds = Credentials::new("u", "p");
/// let offered = ["LOGIN", "PLAIN", "CRAM-MD5"];
/// assert_eq!(choose_like_curl(offered, &creds, None, &[]), Some("CRAM-MD5"));
/// assert_eq!(choose_like_curl(offered, &creds, None, &["CRAM-MD5"]), Some("PLAIN"));
/// assert_eq!(choose_like_curl(offered, &creds, Some("login"), &[]), Some("LOGIN"));
/// let token = Credentials::oauth2("u", "t");
/// assert_eq!(choose_like_curl(["XOAUTH2", "OAUTHBEARER"], &token, None, &[]), Some("OAUTHBEARER"));
/// assert_eq!(choose_like_curl(offered, &token, None, &[]), None);
/// ```
pub fn choose_like_curl<'a, I>(
    offered: I,
    creds: &Credentials,
    allowed: Option<&str>,
    tried: &[&str],
) -> Option<&'static str>
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    let allowed = allowed.filter(|a| *a != "*");
    CURL_ORDER.into_iter().find(|&name| {
        let usable = match name {
            "EXTERNAL" => creds.pass.is_empty() && creds.token.is_none(),
            "OAUTHBEARER" | "XOAUTH2" => creds.token.is_some(),
            _ => creds.token.is_none(),
        };
        usable
            && allowed.is_none_or(|a| a.eq_ignore_ascii_case(name))
            && !tried.iter().any(|t| t.eq_ignore_ascii_case(name))
            && offered
                .clone()
                .into_iter()
                .any(|o| o.eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curls_ranking() {
        let creds = Credentials::new("u", "p");
        let all = ["LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2", "EXTERNAL"];
        assert_eq!(choose_like_curl(all, &creds, None, &[]), Some("CRAM-MD5"));
        assert_eq!(
            choose_like_curl(["LOGIN", "PLAIN"], &creds, None, &[]),
            Some("PLAIN")
        );
        assert_eq!(
            choose_like_curl(["LOGIN"], &creds, None, &[]),
            Some("LOGIN")
        );
        assert_eq!(
            choose_like_curl(["login"], &creds, Some("*"), &[]),
            Some("LOGIN")
        );
        assert_eq!(
            choose_like_curl(["PLAIN"], &creds, Some("LOGIN"), &[]),
            None
        );
        // No password: EXTERNAL first.
        let user_only = Credentials::new("u", "");
        assert_eq!(
            choose_like_curl(all, &user_only, None, &[]),
            Some("EXTERNAL")
        );
        // Everything tried: nothing left.
        let tried = ["CRAM-MD5", "PLAIN", "LOGIN"];
        assert_eq!(choose_like_curl(all, &creds, None, &tried), None);
    }
}

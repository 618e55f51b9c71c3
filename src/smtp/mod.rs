//! SMTP (RFC 5321) and LMTP (RFC 2033): client and server machines.
//!
//! Extensions: ENHANCEDSTATUSCODES (RFC 2034, RFC 3463), SIZE (RFC 1870),
//! PIPELINING (RFC 2920), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), DSN
//! (RFC 3461), CHUNKING and BINARYMIME (RFC 3030), STARTTLS (RFC 3207),
//! AUTH (RFC 4954, with the mechanisms of [`crate::sasl`]).
//!
//! # Client
//!
//! [`Client`] greets, says EHLO (HELO if the server does not know EHLO)
//! and reports [`Event::Ready`] with the typed [`Capabilities`]. Then
//! each call ([`Client::send_mail`], [`Client::login`],
//! [`Client::starttls`], [`Client::quit`], ...) ends with one event; all
//! replies are interpreted by the machine, so a blocking or async client
//! is a short loop: call, then pull events until the one that ends the
//! call.
//!
//! # Server
//!
//! [`Server`] answers what needs no decision itself and asks the
//! application about credentials, senders, recipients and messages with
//! [`ServerEvent`]s, answered with [`Server::accept`] or
//! [`Server::reject`]. Message content arrives as
//! [`ServerEvent::Data`] slices.
//!
//! # Smuggling and injection
//!
//! The client dot-stuffs after every CR, LF or CRLF and sends every line
//! end as CRLF; the server ends DATA only at `CRLF.CRLF` and refuses
//! messages with bare LF. Every argument is checked for CR, LF and NUL
//! before anything is written. Plaintext behind a STARTTLS go-ahead is an
//! error in both roles.

mod client;
mod command;
mod error;
mod limits;
pub mod ops;
mod reply;
mod server;

pub use client::{Client, Envelope, Event, Message, Outcome, Recipient, RecipientResult, Verb};
pub use command::{
    check_domain_or_literal, check_mailbox, Body, Command, MailParams, Notify, OriginalRecipient,
    Param, ParseError, RcptParams, Ret,
};
pub use error::{Error, ErrorKind, Refusal};
pub use limits::Limits;
pub use ops::Smtp;
pub use reply::{Capabilities, EnhancedCode, Reply, ReplyBuilder};
pub use server::{AuthMechanism, AuthRequest, Event as ServerEvent, Server, ServerConfig};

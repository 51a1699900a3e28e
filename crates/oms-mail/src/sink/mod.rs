//! A loopback SMTP server for tests: this crate's, other crates', an end-to-end run.
//!
//! [`SmtpSink::start`] listens on `127.0.0.1` on a free port and speaks enough SMTP for a
//! mail client: EHLO/HELO, AUTH PLAIN and LOGIN (any credentials; the user name is recorded,
//! the password never), MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT. No TLS.
//! Every accepted message is kept as a [`Received`] (envelope, raw data, decoded Subject and
//! text body) and, given a folder, written there as `NNNN.eml` with a `NNNN.json` summary.
//! [`SmtpSink::reject_next`] refuses the next messages with a 550 or a 451.
//!
//! It runs on its own threads (no async runtime needed). Everything is bounded: a read
//! timeout on each connection, line and message size limits, a connection limit. Dropping
//! the sink stops it and closes its connections.

mod decode;

pub use decode::decode_encoded_words;

use crate::{Security, SmtpSettings};
use base64::Engine;
use serde::Serialize;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a connection may stay silent before the sink hangs up.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_COMMAND_LINE: usize = 4096;
const MAX_DATA_LINE: usize = 64 * 1024;
/// The largest message accepted (advertised as SIZE).
pub const MAX_MESSAGE: usize = 10 * 1024 * 1024;
const MAX_CONNECTIONS: usize = 32;
const MAX_COMMANDS: usize = 1000;

/// How the sink refuses a message (after its DATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reject {
    /// `550 5.7.1`: refused for good.
    Permanent,
    /// `451 4.3.0`: try again later.
    Transient,
}

impl Reject {
    fn reply(self) -> &'static str {
        match self {
            Reject::Permanent => "550 5.7.1 Message refused by the test sink",
            Reject::Transient => "451 4.3.0 Test sink is busy, try again later",
        }
    }
}

/// One message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// 1, 2, 3 … in the order accepted; the `NNNN` of its files.
    pub seq: usize,
    /// What the client said in EHLO/HELO.
    pub helo: Option<String>,
    /// The user name the client logged in with, if it did.
    pub auth_user: Option<String>,
    /// The envelope sender (MAIL FROM), without angle brackets.
    pub from: String,
    /// The envelope recipients (RCPT TO), without angle brackets.
    pub to: Vec<String>,
    /// The Subject header, RFC 2047 encoded words decoded.
    pub subject: Option<String>,
    pub message_id: Option<String>,
    /// Every header, unfolded, values as written (not decoded).
    pub headers: Vec<(String, String)>,
    /// The body as text, its transfer encoding (quoted-printable, base64) undone; `\n` line ends.
    pub body: String,
    /// The message as transferred (after dot-unstuffing), CRLF line ends.
    #[serde(skip)]
    pub data: String,
}

impl Received {
    /// The first header of that name (case-insensitive), as written.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first header of that name with RFC 2047 encoded words decoded.
    pub fn decoded_header(&self, name: &str) -> Option<String> {
        self.header(name).map(decode_encoded_words)
    }
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    dir: Option<PathBuf>,
}

struct State {
    messages: Vec<Received>,
    reject: VecDeque<Reject>,
    rejected: usize,
    require_auth: bool,
    auth_mechanisms: String,
    next_seq: usize,
    connections: Vec<(TcpStream, JoinHandle<()>)>,
    accepted_connections: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The running sink; dropping it stops it.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("addr", &self.addr)
            .field("dir", &self.shared.dir)
            .finish()
    }
}

impl SmtpSink {
    /// Starts on `127.0.0.1` on a free port, writing messages to `dir` if given.
    ///
    /// # Panics
    /// If no loopback port can be bound or `dir` cannot be created (a broken test machine);
    /// [`SmtpSink::try_start`] returns the error instead.
    pub fn start(dir: Option<PathBuf>) -> SmtpSink {
        match SmtpSink::try_start(dir) {
            Ok(sink) => sink,
            Err(e) => panic!("the SMTP test sink could not start on 127.0.0.1: {e}"),
        }
    }

    /// [`SmtpSink::start`], returning a failure to bind or to create `dir`.
    pub fn try_start(dir: Option<PathBuf>) -> io::Result<SmtpSink> {
        SmtpSink::start_on(0, dir)
    }

    /// Starts on `127.0.0.1:port` (0: a free port).
    pub fn start_on(port: u16, dir: Option<PathBuf>) -> io::Result<SmtpSink> {
        if let Some(dir) = &dir {
            std::fs::create_dir_all(dir)?;
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                messages: Vec::new(),
                reject: VecDeque::new(),
                rejected: 0,
                require_auth: false,
                auth_mechanisms: "PLAIN LOGIN".to_owned(),
                next_seq: 0,
                connections: Vec::new(),
                accepted_connections: 0,
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            dir,
        });
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name(format!("smtp-sink-{}", addr.port()))
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(SmtpSink {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Settings that send to this sink: plain SMTP on loopback, sender `shop@example.com`.
    pub fn smtp_settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: self.port(),
            security: Security::None,
            username: None,
            from_name: "Test Shop".to_owned(),
            from_address: "shop@example.com".to_owned(),
            reply_to: None,
        }
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.lock().messages.clone()
    }

    /// Waits until at least `count` messages were accepted or `timeout` passed; returns what
    /// there is then.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.messages.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = match self.shared.changed.wait_timeout(state, left) {
                Ok((s, _)) => s,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.messages.clone()
    }

    /// Refuses the next `count` messages (after their DATA) the given way.
    pub fn reject_next(&self, count: usize, how: Reject) {
        let mut state = self.shared.lock();
        state.reject.extend(std::iter::repeat_n(how, count));
    }

    /// How many messages were refused by [`SmtpSink::reject_next`].
    pub fn rejected(&self) -> usize {
        self.shared.lock().rejected
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().accepted_connections
    }

    /// When on, MAIL FROM before a login gets `530 5.7.0 Authentication required`.
    pub fn require_auth(&self, on: bool) {
        self.shared.lock().require_auth = on;
    }

    /// The AUTH mechanisms offered in EHLO (default `"PLAIN LOGIN"`; `""` offers none).
    pub fn advertise_auth(&self, mechanisms: &str) {
        self.shared.lock().auth_mechanisms = mechanisms.trim().to_ascii_uppercase();
    }

    /// Forgets the messages received so far (numbering goes on).
    pub fn clear(&self) {
        self.shared.lock().messages.clear();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let connections = std::mem::take(&mut self.shared.lock().connections);
        for (stream, handle) in connections {
            let _ = stream.shutdown(Shutdown::Both);
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = incoming else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let mut state = shared.lock();
        state
            .connections
            .retain(|(_, handle)| !handle.is_finished());
        if state.connections.len() >= MAX_CONNECTIONS {
            drop(state);
            let _ = stream.write_all(b"421 4.3.2 Too many connections to the test sink\r\n");
            continue;
        }
        let Ok(control) = stream.try_clone() else {
            continue;
        };
        let conn_shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("smtp-sink-conn".to_owned())
            .spawn(move || {
                let _ = serve(stream, &conn_shared);
            });
        if let Ok(handle) = spawned {
            state.accepted_connections += 1;
            state.connections.push((control, handle));
        }
    }
}

#[derive(Default)]
struct Session {
    helo: Option<String>,
    auth_user: Option<String>,
    from: Option<String>,
    to: Vec<String>,
}

enum Line {
    Eof,
    TooLong,
    Text(Vec<u8>),
}

fn read_line(reader: &mut BufReader<TcpStream>, max: usize) -> io::Result<Line> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX);
    let n = reader.by_ref().take(limit).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() != Some(&b'\n') {
        return Ok(if n >= max { Line::TooLong } else { Line::Eof });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Line::Text(buf))
}

/// Writes one reply in one piece (with TCP_NODELAY, no waiting on delayed ACKs).
fn reply(w: &mut TcpStream, line: &str) -> io::Result<()> {
    let mut out = Vec::with_capacity(line.len() + 2);
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
    w.write_all(&out)?;
    w.flush()
}

fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut w = stream;
    reply(&mut w, "220 oms-mail-sink ESMTP test sink ready")?;
    let mut session = Session::default();
    for _ in 0..MAX_COMMANDS {
        if shared.stop.load(Ordering::SeqCst) {
            return reply(&mut w, "421 4.3.2 Test sink shutting down");
        }
        let line = match read_line(&mut reader, MAX_COMMAND_LINE)? {
            Line::Eof => return Ok(()),
            Line::TooLong => return reply(&mut w, "500 5.5.2 Line too long"),
            Line::Text(t) => String::from_utf8_lossy(&t).into_owned(),
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_owned()),
            None => (line.trim().to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                session = Session {
                    helo: Some(arg.clone()),
                    auth_user: session.auth_user,
                    ..Session::default()
                };
                let mechanisms = shared.lock().auth_mechanisms.clone();
                let mut lines = vec![format!("250-oms-mail-sink greets {arg}")];
                lines.push("250-8BITMIME".to_owned());
                lines.push(format!("250-SIZE {MAX_MESSAGE}"));
                if !mechanisms.is_empty() {
                    lines.push(format!("250-AUTH {mechanisms}"));
                }
                lines.push("250 ENHANCEDSTATUSCODES".to_owned());
                reply(&mut w, &lines.join("\r\n"))?;
            }
            "HELO" => {
                session = Session {
                    helo: Some(arg),
                    auth_user: session.auth_user,
                    ..Session::default()
                };
                reply(&mut w, "250 oms-mail-sink")?;
            }
            "AUTH" => {
                let answer = auth(&mut reader, &mut w, shared, &mut session, &arg)?;
                reply(&mut w, &answer)?;
            }
            "MAIL" => {
                let answer = if shared.lock().require_auth && session.auth_user.is_none() {
                    "530 5.7.0 Authentication required".to_owned()
                } else if session.from.is_some() {
                    "503 5.5.1 Sender already given".to_owned()
                } else {
                    match path_after(&arg, "FROM:") {
                        Some(path) => {
                            session.from = Some(path);
                            session.to.clear();
                            "250 2.1.0 Ok".to_owned()
                        }
                        None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned(),
                    }
                };
                reply(&mut w, &answer)?;
            }
            "RCPT" => {
                let answer = if session.from.is_none() {
                    "503 5.5.1 MAIL first".to_owned()
                } else {
                    match path_after(&arg, "TO:").filter(|p| !p.is_empty()) {
                        Some(path) => {
                            session.to.push(path);
                            "250 2.1.5 Ok".to_owned()
                        }
                        None => "501 5.5.4 Syntax: RCPT TO:<address>".to_owned(),
                    }
                };
                reply(&mut w, &answer)?;
            }
            "DATA" => {
                if session.from.is_none() || session.to.is_empty() {
                    reply(&mut w, "503 5.5.1 MAIL and RCPT first")?;
                    continue;
                }
                reply(&mut w, "354 End data with <CR><LF>.<CR><LF>")?;
                let Some(data) = read_data(&mut reader)? else {
                    return Ok(());
                };
                let answer = match data {
                    Data::TooBig => "552 5.3.4 Message too big".to_owned(),
                    Data::Message(bytes) => accept(shared, &session, bytes),
                };
                session.from = None;
                session.to.clear();
                reply(&mut w, &answer)?;
            }
            "RSET" => {
                session.from = None;
                session.to.clear();
                reply(&mut w, "250 2.0.0 Ok")?;
            }
            "NOOP" => reply(&mut w, "250 2.0.0 Ok")?,
            "QUIT" => return reply(&mut w, "221 2.0.0 Bye"),
            "VRFY" => reply(&mut w, "252 2.5.2 Cannot verify")?,
            _ => reply(&mut w, "502 5.5.2 Command not implemented")?,
        }
    }
    reply(&mut w, "421 4.7.0 Too many commands")
}

/// `FROM:<a@b> SIZE=…` → `a@b`.
fn path_after(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    if let Some(inner) = rest.strip_prefix('<') {
        let end = inner.find('>')?;
        return Some(inner[..end].to_owned());
    }
    rest.split_whitespace().next().map(str::to_owned)
}

fn b64_text(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// AUTH PLAIN / LOGIN: any credentials are fine; the user name is kept, the password dropped.
fn auth(
    reader: &mut BufReader<TcpStream>,
    w: &mut TcpStream,
    shared: &Shared,
    session: &mut Session,
    arg: &str,
) -> io::Result<String> {
    if session.auth_user.is_some() {
        return Ok("503 5.5.1 Already authenticated".to_owned());
    }
    let (mechanism, initial) = match arg.split_once(' ') {
        Some((m, i)) => (m.to_ascii_uppercase(), Some(i.trim().to_owned())),
        None => (arg.trim().to_ascii_uppercase(), None),
    };
    let offered = shared
        .lock()
        .auth_mechanisms
        .split_whitespace()
        .any(|m| m == mechanism);
    if !offered {
        return Ok("504 5.5.4 Mechanism not supported".to_owned());
    }
    let mut ask = |challenge: &str| -> io::Result<Option<String>> {
        reply(w, &format!("334 {challenge}"))?;
        match read_line(reader, MAX_COMMAND_LINE)? {
            Line::Text(t) => Ok(Some(String::from_utf8_lossy(&t).into_owned())),
            Line::Eof | Line::TooLong => Ok(None),
        }
    };
    let user = match mechanism.as_str() {
        "PLAIN" => {
            let response = match initial.filter(|i| i != "=") {
                Some(i) => i,
                None => match ask("")? {
                    Some(r) => r,
                    None => return Ok("501 5.5.2 No response".to_owned()),
                },
            };
            if response.trim() == "*" {
                return Ok("501 5.7.0 Authentication cancelled".to_owned());
            }
            // authzid NUL authcid NUL password
            b64_text(&response).and_then(|raw| {
                let parts: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
                (parts.len() == 3).then(|| String::from_utf8_lossy(parts[1]).into_owned())
            })
        }
        _ => {
            let user = match initial {
                Some(i) => Some(i),
                None => ask("VXNlcm5hbWU6")?,
            };
            let user = user.filter(|u| u.trim() != "*").and_then(|u| b64_text(&u));
            // The password is read and dropped.
            match ask("UGFzc3dvcmQ6")? {
                Some(p) if p.trim() != "*" => {
                    user.map(|u| String::from_utf8_lossy(&u).into_owned())
                }
                _ => return Ok("501 5.7.0 Authentication cancelled".to_owned()),
            }
        }
    };
    match user {
        Some(user) => {
            session.auth_user = Some(user);
            Ok("235 2.7.0 Authentication successful".to_owned())
        }
        None => Ok("501 5.5.2 Cannot decode the credentials".to_owned()),
    }
}

enum Data {
    TooBig,
    Message(Vec<u8>),
}

/// Reads DATA up to the lone `.`, undoing dot-stuffing; `None` if the client went away.
fn read_data(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Data>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let line = match read_line(reader, MAX_DATA_LINE)? {
            Line::Eof | Line::TooLong => return Ok(None),
            Line::Text(t) => t,
        };
        if line == b"." {
            break;
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + line.len() + 2 > MAX_MESSAGE {
            too_big = true;
        } else if !too_big {
            data.extend_from_slice(line);
            data.extend_from_slice(b"\r\n");
        }
    }
    Ok(Some(if too_big {
        Data::TooBig
    } else {
        Data::Message(data)
    }))
}

/// Records one message (or refuses it) and gives the reply.
fn accept(shared: &Shared, session: &Session, bytes: Vec<u8>) -> String {
    let mut state = shared.lock();
    if let Some(how) = state.reject.pop_front() {
        state.rejected += 1;
        return how.reply().to_owned();
    }
    let seq = state.next_seq + 1;
    let data = String::from_utf8_lossy(&bytes).into_owned();
    let (headers, body) = decode::split_message(&data);
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let received = Received {
        seq,
        helo: session.helo.clone(),
        auth_user: session.auth_user.clone(),
        from: session.from.clone().unwrap_or_default(),
        to: session.to.clone(),
        subject: find("Subject").map(|s| decode_encoded_words(&s)),
        message_id: find("Message-ID").map(|s| s.trim().to_owned()),
        headers,
        body,
        data,
    };
    if let Some(dir) = &shared.dir {
        if let Err(e) = write_files(dir, &received, &bytes) {
            return format!("451 4.3.0 Test sink could not store the message: {e}");
        }
    }
    state.next_seq = seq;
    state.messages.push(received);
    shared.changed.notify_all();
    format!("250 2.0.0 Ok: queued as {seq:04}")
}

fn write_files(dir: &Path, received: &Received, bytes: &[u8]) -> io::Result<()> {
    let stem = format!("{:04}", received.seq);
    std::fs::write(dir.join(format!("{stem}.eml")), bytes)?;
    let json = serde_json::to_vec_pretty(received).map_err(io::Error::other)?;
    std::fs::write(dir.join(format!("{stem}.json")), json)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::io::BufRead;

    struct Client {
        reader: BufReader<TcpStream>,
        w: TcpStream,
    }

    impl Client {
        fn connect(sink: &SmtpSink) -> Client {
            let w = TcpStream::connect(sink.addr()).unwrap();
            w.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut c = Client {
                reader: BufReader::new(w.try_clone().unwrap()),
                w,
            };
            assert!(c.read().starts_with("220 "));
            c
        }

        /// Reads one reply (all its lines), returns the last line.
        fn read(&mut self) -> String {
            loop {
                let mut line = String::new();
                self.reader.read_line(&mut line).unwrap();
                assert!(line.ends_with("\r\n"), "{line:?}");
                if line.as_bytes().get(3) != Some(&b'-') {
                    return line.trim_end().to_owned();
                }
            }
        }

        fn cmd(&mut self, line: &str) -> String {
            self.w.write_all(format!("{line}\r\n").as_bytes()).unwrap();
            self.read()
        }
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn a_whole_session_with_auth_login_and_dot_stuffing() {
        let dir = tempfile::tempdir().unwrap();
        let sink = SmtpSink::start(Some(dir.path().join("mail")));
        let mut c = Client::connect(&sink);
        assert!(c.cmd("EHLO tester").starts_with("250 "));
        assert_eq!(c.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6");
        assert_eq!(c.cmd(&b64("shop-user")), "334 UGFzc3dvcmQ6");
        assert!(c.cmd(&b64("s3cret")).starts_with("235 "));
        assert!(c.cmd("NOOP").starts_with("250 "));
        assert!(c
            .cmd("MAIL FROM:<shop@example.com> BODY=8BITMIME")
            .starts_with("250 "));
        assert!(c.cmd("RCPT TO:<anna@example.com>").starts_with("250 "));
        assert!(c.cmd("RCPT TO:<ben@example.com>").starts_with("250 "));
        assert!(c.cmd("DATA").starts_with("354 "));
        let reply = c.cmd(
            "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <oms-1@example.com>\r\n\r\nline one\r\n..leading dot\r\n.",
        );
        assert_eq!(reply, "250 2.0.0 Ok: queued as 0001");
        assert!(c.cmd("QUIT").starts_with("221 "));

        let got = sink.messages();
        assert_eq!(got.len(), 1);
        let m = &got[0];
        assert_eq!(m.auth_user.as_deref(), Some("shop-user"));
        assert_eq!(m.helo.as_deref(), Some("tester"));
        assert_eq!(m.from, "shop@example.com");
        assert_eq!(m.to, vec!["anna@example.com", "ben@example.com"]);
        assert_eq!(m.subject.as_deref(), Some("Grüße"));
        assert_eq!(m.message_id.as_deref(), Some("<oms-1@example.com>"));
        assert_eq!(m.body, "line one\n.leading dot\n");
        assert!(!m.data.contains("s3cret"));

        let eml = std::fs::read_to_string(dir.path().join("mail/0001.eml")).unwrap();
        assert!(eml.ends_with("\r\n.leading dot\r\n"), "{eml:?}");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("mail/0001.json")).unwrap())
                .unwrap();
        assert_eq!(json["subject"], "Grüße");
        assert_eq!(json["authUser"], "shop-user");
        assert_eq!(json["to"][1], "ben@example.com");
        assert!(
            !String::from_utf8(std::fs::read(dir.path().join("mail/0001.json")).unwrap())
                .unwrap()
                .contains("s3cret")
        );
    }

    #[test]
    fn plain_auth_without_initial_response_rset_and_order_errors() {
        let sink = SmtpSink::start(None);
        sink.require_auth(true);
        let mut c = Client::connect(&sink);
        assert!(c.cmd("HELO x").starts_with("250 "));
        assert!(c.cmd("RCPT TO:<a@b.c>").starts_with("503 "));
        assert!(c.cmd("MAIL FROM:<shop@example.com>").starts_with("530 "));
        assert!(c.cmd("AUTH CRAM-MD5").starts_with("504 "));
        assert_eq!(c.cmd("AUTH PLAIN"), "334");
        assert!(c.cmd(&b64("\0plain-user\0pw")).starts_with("235 "));
        assert!(c.cmd("AUTH PLAIN x").starts_with("503 "));
        assert!(c.cmd("DATA").starts_with("503 "));
        assert!(c.cmd("MAIL FROM:<shop@example.com>").starts_with("250 "));
        assert!(c.cmd("RSET").starts_with("250 "));
        assert!(c.cmd("RCPT TO:<a@b.c>").starts_with("503 "));
        assert!(c.cmd("MAIL FROM:<>").starts_with("250 "));
        assert!(c.cmd("RCPT TO:<a@b.c>").starts_with("250 "));
        assert!(c.cmd("DATA").starts_with("354 "));
        assert!(c.cmd("Subject: hi\r\n\r\nbody\r\n.").starts_with("250 "));
        assert!(c.cmd("BOGUS").starts_with("502 "));
        let m = sink.wait_for(1, Duration::from_secs(1));
        assert_eq!(m[0].auth_user.as_deref(), Some("plain-user"));
        assert_eq!(m[0].from, "");
        assert_eq!(m[0].subject.as_deref(), Some("hi"));
    }

    #[test]
    fn rejects_the_next_n_then_accepts() {
        let sink = SmtpSink::start(None);
        sink.reject_next(1, Reject::Permanent);
        sink.reject_next(1, Reject::Transient);
        let mut c = Client::connect(&sink);
        c.cmd("EHLO x");
        let send = |c: &mut Client| {
            c.cmd("MAIL FROM:<s@example.com>");
            c.cmd("RCPT TO:<r@example.com>");
            c.cmd("DATA");
            c.cmd("Subject: x\r\n\r\ny\r\n.")
        };
        assert!(send(&mut c).starts_with("550 5.7.1"));
        assert!(send(&mut c).starts_with("451 4.3.0"));
        assert!(send(&mut c).starts_with("250 "));
        assert_eq!(sink.rejected(), 2);
        assert_eq!(sink.messages().len(), 1);
        assert_eq!(sink.messages()[0].seq, 1);
    }

    #[test]
    fn overlong_lines_end_the_connection_and_drop_stops_the_sink() {
        let sink = SmtpSink::start(None);
        let mut c = Client::connect(&sink);
        let long = "x".repeat(MAX_COMMAND_LINE + 10);
        assert!(c.cmd(&long).starts_with("500 "));
        // An idle client is disconnected when the sink is dropped, and the port closes.
        let mut idle = Client::connect(&sink);
        let addr = sink.addr();
        let started = Instant::now();
        drop(sink);
        assert!(started.elapsed() < Duration::from_secs(5));
        let mut rest = String::new();
        let _ = idle.reader.read_line(&mut rest);
        assert!(TcpStream::connect(addr).is_err());
    }

    #[test]
    fn start_on_a_port_in_use_fails() {
        let sink = SmtpSink::start(None);
        assert!(SmtpSink::start_on(sink.port(), None).is_err());
    }

    #[test]
    fn path_parsing() {
        assert_eq!(
            path_after("FROM:<a@b.c> SIZE=10", "FROM:").as_deref(),
            Some("a@b.c")
        );
        assert_eq!(
            path_after("from: <a@b.c>", "FROM:").as_deref(),
            Some("a@b.c")
        );
        assert_eq!(path_after("TO:a@b.c", "TO:").as_deref(), Some("a@b.c"));
        assert_eq!(path_after("TO:<a@b.c", "TO:"), None);
        assert_eq!(path_after("X", "FROM:"), None);
    }
}

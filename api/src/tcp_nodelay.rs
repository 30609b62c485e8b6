//! TCP_NODELAY on the process's connections to PostgreSQL.
//!
//! sqlx 0.9.0 opens its TCP connections without TCP_NODELAY (launchbadge/sqlx#4335: it used to set
//! it, a refactor dropped it, and the fix is merged but not released). A statement larger than the
//! socket's send buffer then leaves in two parts, and Nagle's algorithm holds the second back until
//! PostgreSQL acknowledges the first, which it delays by 40 ms: every large INSERT (a page of
//! orders, a batch of webhooks) waited 40 ms, and under 128 concurrent deliveries webhook ingest fell
//! from 25,000/s to 3,500/s with the cores idle. sqlx gives no handle on its socket, so after each
//! new connection this sets the option on every socket of the process whose peer is the database
//! server. Remove it once sqlx sets the option again.

use std::net::{SocketAddr, ToSocketAddrs};

/// The addresses a PostgreSQL URL connects to over TCP (none for a Unix socket or an unparsable URL).
/// Resolved once, when a pool is set up: should a host name later resolve elsewhere, connections to
/// the new address keep sqlx's default (slower, still correct).
pub fn database_addresses(url: &str) -> Vec<SocketAddr> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Vec::new();
    };
    // `?host=/run/postgresql` (or a host that is a path) means a Unix socket: Nagle does not apply.
    let socket_path = parsed
        .query_pairs()
        .any(|(k, v)| k == "host" && v.starts_with('/'));
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty() && !socket_path) else {
        return Vec::new();
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host, parsed.port().unwrap_or(5432))
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default()
}

/// Sets TCP_NODELAY on every socket of this process connected to one of `peers`. Setting it twice
/// is harmless, so it may run after every new connection.
#[cfg(target_os = "linux")]
pub fn set_on_sockets_to(peers: &[SocketAddr]) {
    use std::os::fd::{BorrowedFd, RawFd};
    if peers.is_empty() {
        return;
    }
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in fds.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        // SAFETY: the descriptor belongs to this process and is only borrowed for two socket calls,
        // never closed here. Were it closed and its number reused meanwhile, the calls would reach
        // another descriptor of ours: getpeername fails on anything but a connected socket, and the
        // option is set only on a socket connected to the database.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let connected_to_database = socket
            .peer_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .is_some_and(|a| peers.contains(&a));
        if connected_to_database && let Err(error) = socket.set_tcp_nodelay(true) {
            tracing::warn!(%error, "setting TCP_NODELAY on a database connection failed");
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn set_on_sockets_to(_peers: &[SocketAddr]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_address_comes_from_the_url_and_a_unix_socket_has_none() {
        assert_eq!(
            database_addresses("postgres://u:p@127.0.0.1:6543/db"),
            vec!["127.0.0.1:6543".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            database_addresses("postgres://u@127.0.0.1/db"),
            vec!["127.0.0.1:5432".parse::<SocketAddr>().unwrap()]
        );
        assert!(
            database_addresses("postgres://u@localhost/db?host=/var/run/postgresql").is_empty()
        );
        assert!(database_addresses("not a url").is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_sockets_connected_to_the_database_get_the_option() {
        let database = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let to_database = std::net::TcpStream::connect(database.local_addr().unwrap()).unwrap();
        let to_other = std::net::TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!to_database.nodelay().unwrap());

        set_on_sockets_to(&[database.local_addr().unwrap()]);

        assert!(to_database.nodelay().unwrap());
        assert!(
            !to_other.nodelay().unwrap(),
            "a socket to anything else is left alone"
        );
    }
}

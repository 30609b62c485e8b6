//! Limits that keep the server answering when clients misbehave: the process's open-file soft limit
//! raised to its hard limit at start (a common default soft limit of 1,024 runs out at about a
//! thousand held sockets), a cap on open connections below it that leaves descriptors for the
//! database and outgoing TikTok calls, and a cap on the requests one client address may have in
//! flight on the unauthenticated routes (TikTok's webhooks, the OAuth callback), so one address
//! cannot take them all. Request bodies have their own deadlines (`routes/json.rs`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::error::{Error, Kind};

/// Descriptors kept back from HTTP connections: database pools, outgoing TikTok calls, log files.
pub const RESERVED_FDS: u64 = 512;
/// Requests one client address may have in flight on an unauthenticated route.
pub const MAX_IN_FLIGHT_PER_CLIENT: usize = 256;

/// Raises the open-file soft limit to the hard limit; answers (before, after).
#[cfg(unix)]
pub fn raise_nofile() -> std::io::Result<(u64, u64)> {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let before = limit.rlim_cur;
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit = raised;
        }
        Ok((before, limit.rlim_cur))
    }
}

#[cfg(not(unix))]
pub fn raise_nofile() -> std::io::Result<(u64, u64)> {
    Ok((u64::MAX, u64::MAX))
}

/// Open connections allowed per HTTP worker: the file limit less the reserve, shared by the workers.
pub fn connections_per_worker(nofile: u64, workers: usize) -> usize {
    let usable = nofile.saturating_sub(RESERVED_FDS).max(64);
    usize::try_from(usable / workers.max(1) as u64)
        .unwrap_or(usize::MAX)
        .clamp(32, 25_000)
}

/// In-flight requests per client address on the unauthenticated routes.
#[derive(Default)]
pub struct ClientLimits {
    in_flight: Mutex<HashMap<IpAddr, usize>>,
}

/// Holds one in-flight slot until dropped.
pub struct Slot {
    limits: Arc<ClientLimits>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self
            .limits
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

impl ClientLimits {
    /// A slot for `ip`, unless it has [`MAX_IN_FLIGHT_PER_CLIENT`] in flight already.
    pub fn take(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= MAX_IN_FLIGHT_PER_CLIENT {
            return None;
        }
        *n += 1;
        Some(Slot {
            limits: self.clone(),
            ip,
        })
    }
}

fn unauthenticated(path: &str) -> bool {
    path == "/api/webhooks/tiktok" || path == "/api/integrations/tiktok/callback"
}

/// Middleware: on the unauthenticated routes, a client address with too many requests in flight
/// is answered 429 at once and its connection closed.
pub async fn limit_unauthenticated(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<Arc<ClientLimits>>>()
        .map(|d| d.get_ref().clone());
    let ip = req.peer_addr().map(|a| a.ip());
    let slot = match (limits, ip) {
        (Some(limits), Some(ip)) if unauthenticated(req.path()) => match limits.take(ip) {
            Some(slot) => Some(slot),
            None => {
                let error = Error::new(
                    Kind::TooManyRequests,
                    "too_many_requests",
                    format!(
                        "this address has {MAX_IN_FLIGHT_PER_CLIENT} requests in flight here; finish them before sending more"
                    ),
                );
                let mut response: HttpResponse = actix_web::ResponseError::error_response(&error);
                response
                    .head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from_static("1"),
                );
                return Ok(req.into_response(response).map_into_right_body());
            }
        },
        _ => None,
    };
    let response = next.call(req).await;
    drop(slot);
    response.map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_leave_descriptors_for_the_rest() {
        assert_eq!(connections_per_worker(1024, 2), 256);
        assert_eq!(connections_per_worker(20_000, 2), 9_744);
        assert_eq!(connections_per_worker(100, 2), 32, "never below a floor");
        assert_eq!(
            connections_per_worker(u64::MAX, 1),
            25_000,
            "actix's own ceiling"
        );
    }

    #[test]
    fn one_address_gets_a_bounded_number_of_slots() {
        let limits = Arc::new(ClientLimits::default());
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.1".parse().unwrap();
        let held: Vec<Slot> = (0..MAX_IN_FLIGHT_PER_CLIENT)
            .map(|_| limits.take(a).unwrap())
            .collect();
        assert!(limits.take(a).is_none(), "the address is at its limit");
        assert!(limits.take(b).is_some(), "another address is not");
        drop(held);
        let again = limits.take(a);
        assert!(again.is_some(), "slots come back when requests end");
        assert_eq!(limits.in_flight.lock().unwrap().get(&a), Some(&1));
        drop(again);
        assert!(limits.in_flight.lock().unwrap().is_empty(), "nothing kept");
    }

    #[test]
    fn the_soft_file_limit_is_raised_to_the_hard_one() {
        let (before, after) = raise_nofile().unwrap();
        assert!(after >= before);
    }
}

use actix_web::web;

use crate::state::SandboxState;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

pub fn announce_expiring(_state: &SandboxState) {}

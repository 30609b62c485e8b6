//! LIVE sessions a shop streamed, and which orders they sold.
//!
//! A session is either **recorded** through the control plane (`POST /_sandbox/shops/{id}/lives`: a
//! host streamed from `start_time` to `end_time`) or **synthetic**: a two-hour evening LIVE
//! (19:00–21:00 UTC) every third day, standing only where no recorded session of the shop overlaps it.
//! A shop's recorded sessions never overlap each other, so an order created at `t` belongs to at most
//! one session: the one whose [start, end) holds `t`. Analytics attribute such orders to the LIVE
//! channel and compute the session's figures from them.

use super::{Id, IdKind, World};

const DAY: i64 = 86_400;
/// Synthetic sessions: every third day (by UTC day number), 19:00–21:00 UTC.
const EVENING_START: i64 = 19 * 3_600;
const EVENING_LENGTH: i64 = 2 * 3_600;
const SYNTHETIC_BASE: u64 = 7_500_000_000_000_000_000;
/// The shop's own account, which streams the synthetic sessions.
pub const SHOP_ACCOUNT: &str = "oceanoutfitters";

/// A LIVE recorded through the control plane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSession {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    pub username: String,
    /// OFFICIAL_ACCOUNTS, MARKETING_ACCOUNTS or AFFILIATE_ACCOUNTS.
    pub account_type: String,
    pub start_time: i64,
    pub end_time: i64,
    pub create_time: i64,
}

/// A session, recorded or synthetic, as analytics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveWindow {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    pub username: String,
    pub account_type: String,
    pub start: i64,
    pub end: i64,
    pub recorded: bool,
}

impl LiveWindow {
    fn recorded(s: &LiveSession) -> LiveWindow {
        LiveWindow {
            id: s.id,
            shop_id: s.shop_id,
            title: s.title.clone(),
            username: s.username.clone(),
            account_type: s.account_type.clone(),
            start: s.start_time,
            end: s.end_time,
            recorded: true,
        }
    }

    pub fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }
}

impl World {
    /// Records a LIVE the shop streamed. Refused (with the reason) when it overlaps another recorded
    /// session of the shop.
    pub fn record_live(&mut self, session: LiveSession) -> Result<Id, (Id, String)> {
        if let Some(other) =
            self.recorded_overlapping(session.shop_id, session.start_time, session.end_time)
        {
            return Err((
                other,
                format!(
                    "start_time, end_time: the LIVE overlaps LIVE {other} of this shop; a shop's recorded LIVEs cannot overlap."
                ),
            ));
        }
        let id = self.new_id(IdKind::Live);
        self.lives_by_start
            .insert((session.shop_id, session.start_time, id));
        self.lives.insert(id, LiveSession { id, ..session });
        Ok(id)
    }

    /// A recorded session of the shop overlapping [start, end), if any.
    fn recorded_overlapping(&self, shop: Id, start: i64, end: i64) -> Option<Id> {
        // Recorded sessions do not overlap: only the last one starting before `end` can reach `start`.
        let &(_, _, id) = self
            .lives_by_start
            .range((shop, i64::MIN, 0)..(shop, end, 0))
            .next_back()?;
        let s = self.lives.get(&id)?;
        (s.end_time > start).then_some(id)
    }

    /// The synthetic evening session of day number `day`, unless a recorded one overlaps it.
    fn synthetic(&self, shop: Id, day: i64) -> Option<LiveWindow> {
        if day.rem_euclid(3) != 0 {
            return None;
        }
        let start = day * DAY + EVENING_START;
        let end = start + EVENING_LENGTH;
        if self.recorded_overlapping(shop, start, end).is_some() {
            return None;
        }
        let date = chrono::DateTime::from_timestamp(start, 0)
            .map(|t| t.format("%b %-d").to_string())
            .unwrap_or_default();
        Some(LiveWindow {
            id: SYNTHETIC_BASE
                + (shop % 1_000_000) * 1_000_000
                + (day.rem_euclid(1_000_000)) as u64,
            shop_id: shop,
            title: format!("Evening LIVE {date}"),
            username: SHOP_ACCOUNT.to_string(),
            account_type: "OFFICIAL_ACCOUNTS".to_string(),
            start,
            end,
            recorded: false,
        })
    }

    /// The session an order created at `t` in the shop belongs to, if any.
    pub fn live_at(&self, shop: Id, t: i64) -> Option<LiveWindow> {
        if let Some(&(_, _, id)) = self
            .lives_by_start
            .range((shop, i64::MIN, 0)..=(shop, t, Id::MAX))
            .next_back()
            && let Some(s) = self.lives.get(&id)
            && s.end_time > t
        {
            return Some(LiveWindow::recorded(s));
        }
        // Cheap arithmetic first: most instants are in no evening session.
        let day = t.div_euclid(DAY);
        let into = t - day * DAY;
        if day.rem_euclid(3) != 0
            || !(EVENING_START..EVENING_START + EVENING_LENGTH).contains(&into)
        {
            return None;
        }
        self.synthetic(shop, day).filter(|w| w.contains(t))
    }

    /// The shop's sessions that start in [from, to), by start time.
    pub fn lives_starting(&self, shop: Id, from: i64, to: i64) -> Vec<LiveWindow> {
        let mut out: Vec<LiveWindow> = self
            .lives_by_start
            .range((shop, from, 0)..(shop, to, 0))
            .filter_map(|(_, _, id)| self.lives.get(id))
            .map(LiveWindow::recorded)
            .collect();
        let (first, last) = (from.div_euclid(DAY), (to - 1).div_euclid(DAY));
        for day in first..=last {
            if let Some(w) = self.synthetic(shop, day)
                && w.start >= from
                && w.start < to
            {
                out.push(w);
            }
        }
        out.sort_by_key(|w| (w.start, w.id));
        out
    }

    /// One session of the shop by id.
    pub fn live_by_id(&self, shop: Id, id: Id) -> Option<LiveWindow> {
        if let Some(s) = self.lives.get(&id) {
            return (s.shop_id == shop).then(|| LiveWindow::recorded(s));
        }
        let rest = id.checked_sub(SYNTHETIC_BASE)?;
        if rest / 1_000_000 != shop % 1_000_000 {
            return None;
        }
        let day = (rest % 1_000_000) as i64;
        self.synthetic(shop, day).filter(|w| w.id == id)
    }
}

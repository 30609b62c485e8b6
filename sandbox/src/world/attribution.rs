//! Where each unit of an order came from: a LIVE, a video, or a product card (the shop's, or a
//! creator's showcase); whether a creator brought it; and the commission the creator earns. Analytics
//! (channels, videos, products) and affiliate orders read the same answer, so their figures agree.
//!
//! For an order of shop S created at t:
//!
//! 1. During a LIVE of S (`World::live_at`): every unit is LIVE, content id the session; a creator's
//!    when the session's account is AFFILIATE_ACCOUNTS (the creator is the world's one of that
//!    username, if any).
//! 2. Else, for a fixed quarter of orders (by the seed and the order id: "came from a video"), each
//!    unit whose product appears in a video of S posted in the 60 days up to t is VIDEO, content id the
//!    latest such video; a creator's when a creator posted it.
//! 3. Every other unit is PRODUCT_CARD; for a fixed 20% of orders, when its product was in
//!    collaboration at t, it is a creator's showcase (content type SHOP): the creator is one the
//!    product's target collaborations invited (when one was in force), else one of the world's
//!    creators, by the seed.
//!
//! A unit a creator brought earns a commission when its product was in collaboration at t
//! (`World::commission_at`: the creator's target collaboration first, else the open one, at the rate
//! then).

use std::collections::HashMap;

use super::affiliate::Commission;
use super::videos::{Video, unit};
use super::{Id, Order, World};

const DAY: i64 = 86_400;
/// A video sells for 60 days after it is posted.
pub const VIDEO_REACH: i64 = 60 * DAY;
/// The share of orders that came from a creator's showcase (when not LIVE or VIDEO).
const SHOWCASE_SHARE: f64 = 0.2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    Live,
    Video,
    ProductCard,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Live => "LIVE",
            Channel::Video => "VIDEO",
            Channel::ProductCard => "PRODUCT_CARD",
        }
    }
}

/// A fixed draw in [0, 1) for (seed, id, salt): the same constants analytics always used, so the
/// VIDEO quarter of orders is the one it was.
pub fn draw(seed: u64, id: u64, salt: u64) -> f64 {
    let mut z =
        seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Where one unit (line item) came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub channel: Channel,
    /// The LIVE session or the video.
    pub content_id: Option<Id>,
    /// A creator's content (LIVE by an affiliate account, a creator's video or showcase) rather than
    /// the seller's own.
    pub by_creator: bool,
    /// The world's creator, when known.
    pub creator: Option<usize>,
    /// The creator's username (also for an affiliate LIVE host the world does not know).
    pub creator_username: Option<String>,
    /// The commission the creator earns for it.
    pub commission: Option<Commission>,
}

impl Source {
    /// The affiliate order's `content_type`: LIVE, VIDEO or SHOP (a showcase).
    pub fn content_type(&self) -> &'static str {
        match self.channel {
            Channel::Live => "LIVE",
            Channel::Video => "VIDEO",
            Channel::ProductCard => "SHOP",
        }
    }
}

/// Attributes the orders of one shop created in a time range (the videos that can have sold them are
/// looked up once).
pub struct Attributor<'a> {
    w: &'a World,
    shop: Id,
    /// product → (post time, video id, creator), by post time.
    by_product: HashMap<Id, Vec<(i64, Id, Option<usize>)>>,
    videos: Vec<Video>,
}

impl<'a> Attributor<'a> {
    /// For orders created in [from, to).
    pub fn new(w: &'a World, shop: Id, from: i64, to: i64) -> Attributor<'a> {
        let videos = w.videos_posted(shop, from.saturating_sub(VIDEO_REACH), to);
        let mut by_product: HashMap<Id, Vec<(i64, Id, Option<usize>)>> = HashMap::new();
        for v in &videos {
            for p in &v.products {
                by_product
                    .entry(*p)
                    .or_default()
                    .push((v.post_time, v.id, v.creator));
            }
        }
        Attributor {
            w,
            shop,
            by_product,
            videos,
        }
    }

    /// The videos looked at (posted from 60 days before the range to its end).
    pub fn videos(&self) -> &[Video] {
        &self.videos
    }

    fn latest_video(&self, product: Id, t: i64) -> Option<(Id, Option<usize>)> {
        let list = self.by_product.get(&product)?;
        let i = list.partition_point(|(p, _, _)| *p <= t);
        let (posted, id, creator) = list.get(i.checked_sub(1)?)?;
        (t - posted < VIDEO_REACH).then_some((*id, *creator))
    }

    /// The sources of the order's units, one per line item, in order.
    pub fn order(&self, o: &Order) -> Vec<Source> {
        let w = self.w;
        let t = o.create_time;
        if let Some(s) = w.live_at(self.shop, t) {
            let by_creator = s.account_type == "AFFILIATE_ACCOUNTS";
            let creator = by_creator
                .then(|| w.creator_by_username(&s.username))
                .flatten();
            return o
                .line_items
                .iter()
                .map(|l| Source {
                    channel: Channel::Live,
                    content_id: Some(s.id),
                    by_creator,
                    creator,
                    creator_username: by_creator.then(|| s.username.clone()),
                    commission: by_creator
                        .then(|| w.commission_at(self.shop, creator, l.product_id, t))
                        .flatten(),
                })
                .collect();
        }
        let from_video = (0.15..0.40).contains(&draw(w.seed, o.id, 1));
        let showcase = unit(w.seed, o.id, 31) < SHOWCASE_SHARE;
        o.line_items
            .iter()
            .map(|l| {
                if from_video && let Some((video, creator)) = self.latest_video(l.product_id, t) {
                    return self.sourced(
                        Channel::Video,
                        Some(video),
                        creator,
                        creator.is_some(),
                        l.product_id,
                        t,
                    );
                }
                if showcase && !w.creators.is_empty() {
                    // Only a product in collaboration can be in a creator's showcase.
                    let creator = self.showcase_creator(o.id ^ l.product_id, l.product_id, t);
                    let src = self.sourced(
                        Channel::ProductCard,
                        None,
                        Some(creator),
                        true,
                        l.product_id,
                        t,
                    );
                    if src.commission.is_some() {
                        return src;
                    }
                }
                self.sourced(Channel::ProductCard, None, None, false, l.product_id, t)
            })
            .collect()
    }

    fn sourced(
        &self,
        channel: Channel,
        content_id: Option<Id>,
        creator: Option<usize>,
        by_creator: bool,
        product: Id,
        t: i64,
    ) -> Source {
        let w = self.w;
        Source {
            channel,
            content_id,
            by_creator,
            creator,
            creator_username: creator.map(|c| w.creators[c].username.clone()),
            commission: by_creator
                .then(|| w.commission_at(self.shop, creator, product, t))
                .flatten(),
        }
    }

    /// The creator whose showcase sold `product` at t: one its target collaborations had invited
    /// then, else any creator (by the seed and `key`).
    fn showcase_creator(&self, key: u64, product: Id, t: i64) -> usize {
        let w = self.w;
        let invited: Vec<usize> = w
            .affiliate
            .get(&self.shop)
            .map(|b| {
                b.targets
                    .iter()
                    .flat_map(|tc| {
                        tc.creators
                            .iter()
                            .map(|c| c.creator)
                            .filter(move |c| tc.rate_for(*c, product, t).is_some())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let pool: Vec<usize> = if invited.is_empty() {
            (0..w.creators.len()).collect()
        } else {
            invited
        };
        pool[((unit(w.seed, key, 32) * pool.len() as f64) as usize).min(pool.len() - 1)]
    }
}

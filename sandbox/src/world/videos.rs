//! Shoppable videos a shop's products appear in. TikTok has no seller API to post one, so each shop
//! has a fixed, unbounded calendar of them, like the synthetic LIVEs: on 60% of UTC days (by the seed,
//! the shop and the day) one video is posted between 09:00 and 20:00, by the shop's own account (40%)
//! or by one of the world's creators, showing one to three of the shop's products that existed then.
//! Everything about a video is a pure function of the seed, the shop, the day and the products created
//! before it, so it never changes once posted. Orders are attributed to videos in `attribution`.

use super::lives::SHOP_ACCOUNT;
use super::{Id, World};

const DAY: i64 = 86_400;
const VIDEO_BASE: u64 = 7_420_000_000_000_000_000;

const TITLES: [&str; 10] = [
    "Unboxing our bestsellers",
    "3 ways to style it",
    "Behind the scenes at the warehouse",
    "Customer favourites this week",
    "How it is made",
    "Honest review: one month later",
    "Packing orders with us",
    "New arrivals try-on",
    "Is it worth it? Full review",
    "What I bought this week",
];
const TAGS: [&str; 6] = [
    "tiktokmademebuyit",
    "tiktokshop",
    "review",
    "haul",
    "ootd",
    "dealsoftheday",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Video {
    pub id: Id,
    pub shop_id: Id,
    pub title: String,
    /// Unix seconds.
    pub post_time: i64,
    /// Seconds.
    pub duration: i64,
    /// Index in `World::creators`; `None` = the shop's own account.
    pub creator: Option<usize>,
    pub products: Vec<Id>,
    pub hash_tags: Vec<String>,
}

impl Video {
    /// The day number (unix days) it was posted.
    pub fn day(&self) -> i64 {
        self.post_time.div_euclid(DAY)
    }
}

/// A fixed draw in [0, 1) for (seed, a, salt).
pub fn unit(seed: u64, a: u64, salt: u64) -> f64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xA076_1D64_78BD_642F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn pick(seed: u64, key: u64, salt: u64, n: usize) -> usize {
    ((unit(seed, key, salt) * n as f64) as usize).min(n.saturating_sub(1))
}

impl World {
    /// The username a video is posted under.
    pub fn video_username(&self, v: &Video) -> &str {
        match v.creator {
            Some(c) => &self.creators[c].username,
            None => SHOP_ACCOUNT,
        }
    }

    /// The video of `day` for the shop, if that day has one; `products` are the shop's product ids
    /// in order of creation with their creation times.
    fn video_of_day(&self, shop: Id, day: i64, products: &[(i64, Id)]) -> Option<Video> {
        let key = shop ^ (day as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
        if unit(self.seed, key, 1) >= 0.6 {
            return None;
        }
        let post_time = day * DAY + 9 * 3_600 + (unit(self.seed, key, 2) * 11.0 * 3_600.0) as i64;
        let existing = products.partition_point(|(t, _)| *t <= post_time);
        if existing == 0 {
            return None;
        }
        let count = 1 + pick(self.seed, key, 3, 3);
        let mut shown: Vec<Id> = Vec::new();
        for k in 0..count {
            let p = products[pick(self.seed, key, 10 + k as u64, existing)].1;
            if !shown.contains(&p) {
                shown.push(p);
            }
        }
        let creator = (unit(self.seed, key, 4) >= 0.4 && !self.creators.is_empty())
            .then(|| pick(self.seed, key, 5, self.creators.len()));
        let tags = 1 + pick(self.seed, key, 6, 2);
        Some(Video {
            id: VIDEO_BASE + (shop % 1_000_000) * 1_000_000 + day.rem_euclid(1_000_000) as u64,
            shop_id: shop,
            title: TITLES[pick(self.seed, key, 7, TITLES.len())].to_string(),
            post_time,
            duration: 15 + (unit(self.seed, key, 8) * 165.0) as i64,
            creator,
            products: shown,
            hash_tags: (0..tags)
                .map(|k| TAGS[pick(self.seed, key, 20 + k as u64, TAGS.len())].to_string())
                .collect(),
        })
    }

    fn shop_products_by_creation(&self, shop: Id) -> Vec<(i64, Id)> {
        self.products_by_create
            .range((shop, i64::MIN, 0)..=(shop, i64::MAX, Id::MAX))
            .map(|(_, t, id)| (*t, *id))
            .collect()
    }

    /// The shop's videos posted in [from, to), by post time.
    pub fn videos_posted(&self, shop: Id, from: i64, to: i64) -> Vec<Video> {
        if to <= from {
            return Vec::new();
        }
        let products = self.shop_products_by_creation(shop);
        (from.div_euclid(DAY)..=(to - 1).div_euclid(DAY))
            .filter_map(|d| self.video_of_day(shop, d, &products))
            .filter(|v| v.post_time >= from && v.post_time < to)
            .collect()
    }

    /// One of the shop's videos by id (posted by `now`).
    pub fn video_by_id(&self, shop: Id, id: Id, now: i64) -> Option<Video> {
        let rest = id.checked_sub(VIDEO_BASE)?;
        if rest / 1_000_000 != shop % 1_000_000 {
            return None;
        }
        let day = (rest % 1_000_000) as i64;
        let products = self.shop_products_by_creation(shop);
        self.video_of_day(shop, day, &products)
            .filter(|v| v.id == id && v.post_time <= now)
    }
}

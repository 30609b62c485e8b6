//! `ShopScope<R, A>`: the extractor that hands a shop route its caller and its shop, checked once
//! for every route in the same order: the token (401), the role `R` the route needs (403), the
//! path's `{id}` among the caller's tenant's shops (404, also for another tenant's shop), and the
//! feature area `A` enabled for that shop (409 `feature_disabled`). A handler that takes one has
//! nothing left to check by hand.
//!
//! ```ignore
//! async fn list_orders(scope: ShopScope<Viewer, Orders>, …) { let ShopScope { shop, .. } = scope; … }
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::auth::{AuthUser, Role};
use crate::error::Error;
use crate::shops::Feature;
use crate::shops::service::find_for_tenant;
use crate::state::AppState;
use crate::sync::views::ensure_enabled;
use entity::shop;

/// The least role a route needs.
pub trait NeedsRole {
    const ROLE: Role;
}

/// The feature area a route belongs to, if any.
pub trait InArea {
    const AREA: Option<Feature>;
}

macro_rules! roles {
    ($($name:ident => $role:expr),* $(,)?) => {$(
        #[doc = concat!("Needs the ", stringify!($name), " role or above.")]
        pub enum $name {}
        impl NeedsRole for $name {
            const ROLE: Role = $role;
        }
    )*};
}

macro_rules! areas {
    ($($name:ident => $area:expr),* $(,)?) => {$(
        #[doc = concat!("In the ", stringify!($name), " area: refused while the shop has it disabled.")]
        pub enum $name {}
        impl InArea for $name {
            const AREA: Option<Feature> = $area;
        }
    )*};
}

roles! {
    Viewer => Role::Viewer,
    Operator => Role::Operator,
    Admin => Role::Admin,
}

areas! {
    AnyArea => None,
    Products => Some(Feature::Products),
    Orders => Some(Feature::Orders),
    Inventory => Some(Feature::Inventory),
    Returns => Some(Feature::Returns),
    Logistics => Some(Feature::Logistics),
    Promotions => Some(Feature::Promotions),
    LiveShopping => Some(Feature::LiveShopping),
    Affiliate => Some(Feature::Affiliate),
    Analytics => Some(Feature::Analytics),
}

/// The caller and the shop of a `/shops/{id}/…` route, checked (see the module).
pub struct ShopScope<R, A = AnyArea> {
    pub user: AuthUser,
    pub shop: shop::Model,
    checked: PhantomData<(R, A)>,
}

impl<R: NeedsRole + 'static, A: InArea + 'static> FromRequest for ShopScope<R, A> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload).into_inner();
        let id = req.match_info().get("id").unwrap_or_default().to_owned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let user = user?;
            user.require(R::ROLE)?;
            let state = state
                .ok_or_else(|| Error::internal(anyhow::anyhow!("AppState is not registered")))?;
            let shop = find_for_tenant(&state.db, &user.tenant, &id).await?;
            tracing::Span::current().record("shop", shop.id.as_str());
            if let Some(area) = A::AREA {
                ensure_enabled(&shop, area)?;
            }
            Ok(ShopScope {
                user,
                shop,
                checked: PhantomData,
            })
        })
    }
}

/// The caller of a tenant-level route (no shop in the path), with the role `R` checked: the token
/// (401), then the role (403).
pub struct Caller<R> {
    pub user: AuthUser,
    checked: PhantomData<R>,
}

impl<R: NeedsRole + 'static> FromRequest for Caller<R> {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload).into_inner();
        std::future::ready(user.and_then(|user| {
            user.require(R::ROLE)?;
            Ok(Caller {
                user,
                checked: PhantomData,
            })
        }))
    }
}
